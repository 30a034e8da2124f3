"""A message still unconfirmed a grace period after its receiver's queue was seen idle is handed
over again: the receiver holds no copy of it, so it was lost on the way (or never handed over).
A message its receiver applied just before its queue emptied is not: its confirmation comes back
within the grace period. Judged by the look that found the queue empty, a receiver that had just
worked through a backlog of 10,000 messages was sent all 10,000 again (`make bench`)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from messaging import broker
from messaging.models import OutboxMessage
from messaging.sender import Sender

pytestmark = [
    pytest.mark.django_db(databases="__all__"),
    pytest.mark.usefixtures("broker_on_redis"),
]


@pytest.fixture
def clock():
    """The time the sender reads, moved on by the test; the broker seen by an earlier sweep, so
    that no restart is taken for one."""
    broker.broker_restarted_since_last_sweep("customer")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def publish(envelope_of, ticket_created):
    """A TicketCreated stored in the customer quantum's outbox, its id; nothing of it is queued
    (the test's transaction never commits): to the sender it looks handed over, then applied or
    lost."""

    def published() -> str:
        return envelope_of(ticket_created())["id"]

    return published


def grace() -> timedelta:
    return timedelta(seconds=settings.MESSAGING_LOST_AFTER_SECONDS)


@pytest.fixture
def sweep():
    """The customer quantum's sweep, by a sender that has seen nothing yet."""
    return Sender(quantum="customer").sweep


def test_a_receiver_that_has_just_emptied_its_queue_is_not_sent_its_backlog_again(
    clock, publish, sweep
):
    backlog = [publish() for _ in range(3)]
    clock.shift(grace() * 3)  # queued all that time, applied just now: the queue is empty

    assert sweep() == 0, "the confirmations may be on their way"
    *applied, lost = backlog
    OutboxMessage.objects.using("customer").filter(pk__in=applied).update(
        confirmed_at=timezone.now()
    )
    clock.shift(grace())

    assert sweep() == 1
    assert OutboxMessage.objects.using("customer").get(pk=lost).send_attempts == 1


def test_what_was_handed_over_before_the_idle_look_is_sent_again_a_grace_period_later(
    clock, publish, sweep
):
    lost = publish()
    clock.shift(timedelta(seconds=1))
    assert sweep() == 0  # the look: the receiver holds nothing
    clock.shift(timedelta(seconds=1))
    handed_over_after_the_look = publish()
    clock.shift(grace())

    assert sweep() == 1
    assert OutboxMessage.objects.using("customer").get(pk=lost).send_attempts == 1
    assert (
        OutboxMessage.objects.using("customer").get(pk=handed_over_after_the_look).sent_at is None
    )
