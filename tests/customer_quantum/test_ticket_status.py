"""The customer's copy of a ticket follows ticketing's status changes forward only, and the ticket
page shows their timeline from the customer database alone."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from customer_quantum.endpoint import endpoint
from customer_quantum.models import Customer, Ticket, TicketStatusChange
from message_contracts.tickets import TicketStatusChanged
from messaging.models import DeadLetter, OutboxMessage
from messaging.receiver import Outcome
from tests.customer_quantum.factories import TicketFactory

pytestmark = pytest.mark.django_db(databases=["default", "customer"])

START = timezone.now()
ARRIVAL = START + timedelta(hours=24)


def envelope(ticket_id: uuid.UUID, sequence: int, status: str, **fields) -> dict:
    """A TicketStatusChanged as ticketing's worker hands it to the customer worker."""
    message = TicketStatusChanged(
        ticket_id=ticket_id,
        sequence=sequence,
        status=status,
        changed_at=START + timedelta(minutes=sequence),
        **({"expert_name": "Ada Expert", "expected_arrival": ARRIVAL} | fields),
    )
    return {
        "id": str(uuid.uuid4()),
        "type": message.TYPE,
        "version": message.VERSION,
        "occurred_at": timezone.now().isoformat(),
        "correlation_id": str(uuid.uuid4()),
        "sender": "ticketing",
        "payload": message.model_dump(mode="json"),
    }


@pytest.fixture
def ticket(customer) -> Ticket:
    return TicketFactory(customer=customer)


def test_status_changes_move_the_ticket_forward_and_build_its_timeline(ticket):
    for sequence, status in enumerate(["assigned", "accepted", "in_progress", "completed"], 1):
        endpoint.receive(envelope(ticket.id, sequence, status))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.status_sequence) == ("completed", 4)
    assert ticket.expert_name == "Ada Expert"
    assert list(ticket.status_changes.values_list("status", flat=True)) == [
        "assigned",
        "accepted",
        "in_progress",
        "completed",
    ]


def test_messages_in_the_wrong_order_never_move_a_ticket_back(ticket):
    completed = envelope(ticket.id, 4, "completed")
    for message in [
        envelope(ticket.id, 3, "in_progress"),
        completed,
        envelope(ticket.id, 1, "assigned"),
        envelope(ticket.id, 2, "accepted"),
    ]:
        endpoint.receive(message)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.status_sequence) == ("completed", 4)
    assert ticket.status_changed_at == START + timedelta(minutes=4)
    # Late messages still fill in the history, in ticketing's order.
    assert list(ticket.status_changes.values_list("sequence", flat=True)) == [1, 2, 3, 4]


def test_a_duplicate_status_message_changes_nothing(ticket):
    assigned = envelope(ticket.id, 1, "assigned")
    endpoint.receive(assigned)
    endpoint.receive(envelope(ticket.id, 2, "in_progress"))

    assert endpoint.receive(assigned) == Outcome.DUPLICATE
    # The same change sent again under a new message id is absorbed by its sequence number.
    assert endpoint.receive(envelope(ticket.id, 1, "assigned")) == Outcome.APPLIED

    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert TicketStatusChange.objects.count() == 2


def test_a_declined_ticket_shows_it_waits_for_another_expert(ticket):
    endpoint.receive(envelope(ticket.id, 1, "assigned"))
    endpoint.receive(envelope(ticket.id, 2, "queued", expert_name="", expected_arrival=None))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.expert_name) == ("submitted", "")


def test_a_status_for_an_unknown_ticket_goes_to_dead_letters():
    outcome = endpoint.receive(envelope(uuid.uuid4(), 1, "assigned"))

    assert outcome == Outcome.DEAD_LETTERED
    assert "no ticket" in DeadLetter.objects.using("customer").get().error


def test_the_ticket_page_shows_the_timeline(client, customer_user, ticket):
    endpoint.receive(envelope(ticket.id, 1, "assigned"))
    endpoint.receive(envelope(ticket.id, 2, "accepted"))
    endpoint.receive(envelope(ticket.id, 3, "in_progress"))
    client.force_login(customer_user)

    page = client.get(f"/tickets/{ticket.id}/").content.decode()

    assert "Timeline" in page
    assert "Submitted" in page
    assert f"Assigned to Ada Expert, expected by {ARRIVAL:%-d %b %Y, %H:%M} UTC" in page
    assert "Ada Expert started the repair" in page
    assert "Completed by" not in page


def notifications_requested() -> list[dict]:
    return [
        message.payload
        for message in OutboxMessage.objects.using("customer").filter(type="NotificationRequested")
    ]


@pytest.mark.parametrize(
    ("preference", "phone", "channel"),
    [("email", "", "email"), ("sms", "+1 555 0100", "sms"), ("sms", "", "email")],
)
def test_the_customer_is_told_who_is_coming_by_their_preference(ticket, preference, phone, channel):
    Customer.objects.filter(pk=ticket.customer_id).update(
        notification_preference=preference, phone=phone
    )

    endpoint.receive(envelope(ticket.id, 1, "assigned"))

    [request] = notifications_requested()
    assert request["channel"] == channel
    assert request["notification_type"] == "expert_assigned"
    assert request["context"]["expert_name"] == "Ada Expert"
    assert request["context"]["title"] == ticket.title
    assert request["reference"] == str(ticket.id)
    assert Ticket.objects.get(pk=ticket.id).status == "assigned"  # stored before anyone is told


def test_an_assignment_delivered_twice_tells_the_customer_once(ticket):
    assigned = envelope(ticket.id, 1, "assigned")

    endpoint.receive(assigned)
    endpoint.receive(assigned | {"id": str(uuid.uuid4())})

    assert len(notifications_requested()) == 1


def test_other_status_changes_tell_the_customer_nothing_but_the_survey_link(ticket):
    for sequence, status in enumerate(["accepted", "in_progress", "completed"], start=1):
        endpoint.receive(envelope(ticket.id, sequence, status))

    assert [request["notification_type"] for request in notifications_requested()] == [
        "survey_invited"
    ]
