"""At-least-once delivery, exactly-once effect: a message sent again changes nothing in ticketing."""

import pytest
from django.utils import timezone

from messaging.models import InboxMessage, OutboxMessage
from tests.integration.customers import CustomerAccount
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.processes import wait_until
from tests.integration.system import RunningSystem
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DELIVERY_TIMEOUT_SECONDS = 20


def confirmed_outbox_message(ticket_id: str) -> OutboxMessage | None:
    # Confirmed first, so a late confirmation cannot cancel the resend the test asks for next.
    return (
        OutboxMessage.objects.using("customer")
        .filter(payload__ticket_id=ticket_id, confirmed_at__isnull=False)
        .first()
    )


def send_again(message: OutboxMessage) -> None:
    """As if the receiver's confirmation had been lost: the sweep hands the message over once
    more, and the receiver gets a copy it has already applied."""
    OutboxMessage.objects.using("customer").filter(pk=message.pk).update(
        confirmed_at=None, resend_at=timezone.now()
    )


def delivered_and_confirmed(message: OutboxMessage, deliveries: int) -> InboxMessage | None:
    # Waiting for the confirmation too keeps the next resend from racing this one's.
    inbox = (
        InboxMessage.objects.using("ticketing")
        .filter(pk=message.pk, deliveries__gte=deliveries)
        .first()
    )
    if (
        inbox
        and OutboxMessage.objects.using("customer")
        .filter(pk=message.pk, confirmed_at__isnull=False)
        .exists()
    ):
        return inbox
    return None


@pytest.mark.fault("the same message many times")
def test_a_message_delivered_several_times_creates_one_ticket(
    system: RunningSystem, customer_account: CustomerAccount, fault_report: FaultReport
) -> None:
    response = system.submit_ticket(token=customer_account.token, title="Tablet will not charge")
    assert response.status_code == 201, response.text
    ticket_id = response.json()["id"]
    fault_report.watch(
        sent=[ticket_id],
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )
    message = wait_until(
        lambda: confirmed_outbox_message(ticket_id),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="ticketing has confirmed the message",
    )
    first = wait_until(
        lambda: delivered_and_confirmed(message, 1),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="ticketing has applied and confirmed the message",
    )
    assert first.deliveries == 1

    for deliveries in (2, 3):
        send_again(message)
        inbox = wait_until(
            lambda deliveries=deliveries: delivered_and_confirmed(message, deliveries),
            timeout=DELIVERY_TIMEOUT_SECONDS,
            what=f"ticketing has received the message {deliveries} times",
        )
        assert inbox.deliveries == deliveries

    assert fault_report.count() == FaultCounts(sent=1, applied=1, lost=0, duplicated=0)
    assert [str(pk) for pk in TicketingTicket.objects.values_list("pk", flat=True)] == [ticket_id]
    assert InboxMessage.objects.using("ticketing").get(pk=message.pk).applied_at == first.applied_at
