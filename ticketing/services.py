"""Ticketing's write use cases."""

from message_contracts.tickets import TicketCreated
from ticketing.models import Ticket


def ticket_register(*, submitted: TicketCreated) -> Ticket:
    """Takes a customer's ticket into processing; it waits as `new` for the assignment job."""
    return Ticket.objects.create(
        id=submitted.ticket_id,
        customer_id=submitted.customer_id,
        customer_name=submitted.customer_name,
        title=submitted.title,
        description=submitted.description,
        device_category=submitted.device_category,
        priority=submitted.priority,
        submitted_at=submitted.submitted_at,
    )
