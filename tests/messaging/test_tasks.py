"""The deliver task keeps retrying until the receiver's own budget buries the message."""

import pytest

from messaging import endpoint as kernel
from messaging.broker import surely_first_delivery
from messaging.models import DeadLetter
from messaging.tasks import deliver
from tests.messaging.faults import always_fails

pytestmark = pytest.mark.django_db(databases="__all__")


def test_celery_never_gives_up_before_the_receiver_buries_the_message(
    settings, monkeypatch, ticket_created, envelope_of, ticketing_with
):
    # More deliveries than Celery's own default of three retries would allow.
    settings.MESSAGING_MAX_DELIVERIES = 6
    monkeypatch.setitem(kernel._endpoints, "ticketing", ticketing_with(always_fails))
    envelope = envelope_of(ticket_created())

    result = deliver.apply(args=["ticketing", envelope])

    assert result.successful(), result.result
    assert DeadLetter.objects.using("ticketing").get().deliveries == 6


@pytest.mark.parametrize(
    ("first_hand_over", "redelivered", "retries", "first"),
    [
        (True, False, 0, True),
        (False, False, 0, False),
        (True, True, 0, False),
        (True, False, 1, False),
    ],
    ids=["first-hand-over", "resent-by-the-sweep", "put-back-by-the-broker", "retried"],
)
def test_only_a_first_hand_over_never_put_back_nor_retried_skips_the_count(
    first_hand_over, redelivered, retries, first
):
    decided = surely_first_delivery(
        first_hand_over=first_hand_over, redelivered=redelivered, retries=retries
    )

    assert decided is first
