"""One function per message ticketing receives; each calls a service."""

from message_contracts.tickets import TicketCreated, TicketCreatedV2
from ticketing.services import ticket_register


def ticket_created(message: TicketCreated | TicketCreatedV2) -> None:
    ticket_register(submitted=message.read_as(TicketCreatedV2))
