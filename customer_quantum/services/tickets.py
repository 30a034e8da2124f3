"""Tickets: the customer submits, ticketing takes them into processing."""

from django.db import transaction

from customer_quantum.apps import DATABASE
from customer_quantum.models import Customer, Ticket
from message_contracts.tickets import Priority, TicketCreated
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
    ticket.full_clean()
    with transaction.atomic(using=DATABASE):
        ticket.save()
        endpoint_for(DATABASE).publish(
            TicketCreated(
                ticket_id=ticket.id,
                customer_id=customer.id,
                customer_name=customer.name,
                title=ticket.title,
                description=ticket.description,
                device_category=ticket.device_category,
                priority=ticket.priority,
                submitted_at=ticket.submitted_at,
            )
        )
    return ticket
