"""Tickets: the customer submits, ticketing takes them into processing."""

from django.db import transaction

from customer_quantum.apps import DATABASE
from customer_quantum.models import Customer, Ticket, TicketStatus, TicketStatusChange
from customer_quantum.services.notifications import customer_notify
from customer_quantum.services.surveys import survey_invitation_create
from message_contracts.notifications import NotificationType
from message_contracts.tickets import Priority, TicketCreatedV2, TicketProgress, TicketStatusChanged
from messaging.endpoint import endpoint_for


def ticket_submit(
    *,
    customer: Customer,
    title: str,
    device_category: str,
    description: str = "",
    priority: str = Priority.NORMAL,
) -> Ticket:
    """Stores the ticket and tells ticketing in one transaction; the customer never waits for it."""
    ticket = Ticket(
        customer=customer,
        title=title,
        description=description,
        device_category=device_category,
        priority=priority,
    )
    # The fields' own rules only: the id is a fresh uuid, the customer was just read, and the
    # check constraints repeat the fields' choices (the database enforces them too). Checking
    # those would cost five queries on the portal's busiest request.
    ticket.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
    with transaction.atomic(using=DATABASE):
        ticket.save()
        endpoint_for(DATABASE).publish(
            TicketCreatedV2(
                ticket_id=ticket.id,
                customer_id=customer.id,
                customer_name=customer.name,
                customer_region=customer.region,
                title=ticket.title,
                description=ticket.description,
                device_category=ticket.device_category,
                priority=ticket.priority,
                submitted_at=ticket.submitted_at,
            )
        )
    return ticket


# What the customer sees of each step of ticketing's work.
CUSTOMER_STATUS = {
    TicketProgress.QUEUED: TicketStatus.SUBMITTED,
    TicketProgress.ASSIGNED: TicketStatus.ASSIGNED,
    TicketProgress.ACCEPTED: TicketStatus.ASSIGNED,
    TicketProgress.IN_PROGRESS: TicketStatus.IN_PROGRESS,
    TicketProgress.COMPLETED: TicketStatus.COMPLETED,
}


class StatusForUnknownTicket(Exception):
    """Ticketing reported on a ticket this quantum never submitted."""


def ticket_status_record(*, change: TicketStatusChanged) -> None:
    """Keeps the change in the ticket's timeline, and makes it the ticket's status only if it is
    newer than the one shown: messages may arrive late, twice or out of order."""
    if not Ticket.objects.filter(pk=change.ticket_id).exists():
        raise StatusForUnknownTicket(f"no ticket {change.ticket_id} in the customer quantum")
    _, first_time = TicketStatusChange.objects.get_or_create(
        ticket_id=change.ticket_id,
        sequence=change.sequence,
        defaults={
            "status": change.status,
            "changed_at": change.changed_at,
            "expert_name": change.expert_name,
            "expected_arrival": change.expected_arrival,
        },
    )
    Ticket.objects.filter(pk=change.ticket_id, status_sequence__lt=change.sequence).update(
        status=CUSTOMER_STATUS[change.status],
        status_sequence=change.sequence,
        status_changed_at=change.changed_at,
        expert_name=change.expert_name,
        expected_arrival=change.expected_arrival,
    )
    if first_time and change.status == TicketProgress.ASSIGNED:
        _expert_assigned_notified(change)
    if first_time and change.status == TicketProgress.COMPLETED:
        survey_invitation_create(
            ticket=Ticket.objects.select_related("customer").get(pk=change.ticket_id)
        )


def _expert_assigned_notified(change: TicketStatusChanged) -> None:
    """Told after the portal already shows the assignment: it was stored just above."""
    ticket = Ticket.objects.select_related("customer").get(pk=change.ticket_id)
    arrival = change.expected_arrival
    customer_notify(
        customer=ticket.customer,
        notification_type=NotificationType.EXPERT_ASSIGNED,
        context={
            "title": ticket.title,
            "expert_name": change.expert_name,
            "expected_arrival": arrival.strftime("%Y-%m-%d %H:%M UTC") if arrival else "",
        },
        reference=str(ticket.id),
        requested_at=change.changed_at,
    )
