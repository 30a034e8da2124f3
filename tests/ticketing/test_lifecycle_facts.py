"""Ticketing tells analytics each step of a ticket's life, through its outbox, in the transaction
that takes the step: no step is stored without its message, nor a message without its step."""

import pytest
from django.db import transaction

from message_contracts.tickets import TicketLifecycleRecorded
from messaging.models import OutboxMessage
from tests.ticketing.factories import ExpertFactory
from ticketing import handlers, services
from ticketing.jobs import tickets_assign
from ticketing.models import Assignment, Ticket

pytestmark = pytest.mark.django_db(databases=["ticketing"])


def steps_told() -> list[tuple[int, str, str]]:
    return [
        (message.payload["sequence"], message.payload["step"], message.payload["expert_name"])
        for message in OutboxMessage.objects.using("ticketing")
        .filter(type="TicketLifecycleRecorded")
        .order_by("created_at")
    ]


def test_each_step_of_a_tickets_life_is_told_to_analytics(ticket_created):
    declines, completes = ExpertFactory(name="Bob"), ExpertFactory(name="Ada", capacity=0)
    handlers.ticket_created(ticket_created(priority="high"))
    tickets_assign()
    services.assignment_reject(
        expert=declines, assignment_id=Assignment.objects.get().pk, reason="No parts."
    )
    completes.capacity = 3
    completes.save()
    tickets_assign()
    assignment = Assignment.objects.get(expert=completes)
    services.assignment_accept(expert=completes, assignment_id=assignment.pk)
    services.assignment_start(expert=completes, assignment_id=assignment.pk)
    services.assignment_complete(
        expert=completes, assignment_id=assignment.pk, resolution_notes="New battery."
    )

    assert steps_told() == [
        (0, "received", ""),
        (1, "assigned", "Bob"),
        (2, "rejected", "Bob"),
        (3, "assigned", "Ada"),
        (4, "accepted", "Ada"),
        (5, "started", "Ada"),
        (6, "completed", "Ada"),
    ]
    last = (
        OutboxMessage.objects.using("ticketing")
        .filter(type="TicketLifecycleRecorded")
        .latest("created_at")
    )
    message = TicketLifecycleRecorded.model_validate(last.payload)
    ticket = Ticket.objects.get()
    assert last.receiver == "analytics"
    assert (message.ticket_id, message.priority, message.device_category) == (
        ticket.pk,
        "high",
        "phone",
    )
    assert (message.submitted_at, message.expert_id) == (ticket.submitted_at, completes.pk)
    assert message.occurred_at == Assignment.objects.get(expert=completes).completed_at


def test_a_received_ticket_and_its_message_commit_together(ticket_created):
    with pytest.raises(RuntimeError), transaction.atomic(using="ticketing"):
        handlers.ticket_created(ticket_created())
        assert steps_told() == [(0, "received", "")]
        raise RuntimeError("the handler's transaction fails after the service")

    assert not Ticket.objects.exists()
    assert not OutboxMessage.objects.using("ticketing").exists()


def test_a_step_whose_message_cannot_be_stored_is_not_taken(ticket_created, monkeypatch):
    expert = ExpertFactory()
    handlers.ticket_created(ticket_created())
    tickets_assign()
    assignment = Assignment.objects.get()

    def message_fails(**_):
        raise RuntimeError("the step's message for analytics could not be made")

    monkeypatch.setattr(services, "_lifecycle_recorded", message_fails)
    with pytest.raises(RuntimeError):
        services.assignment_accept(expert=expert, assignment_id=assignment.pk)

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ASSIGNED
    assert Ticket.objects.get().status == Ticket.Status.ASSIGNED
    assert [
        m.payload["status"]
        for m in OutboxMessage.objects.using("ticketing").filter(receiver="customer")
    ] == ["assigned"]
