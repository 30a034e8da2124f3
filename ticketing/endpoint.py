"""Ticketing's end of the message bus: which handler applies each message it receives."""

from message_contracts.tickets import TicketCreated, TicketCreatedV2
from messaging.endpoint import Endpoint
from ticketing import handlers

endpoint = Endpoint(
    app_label="ticketing",
    # Both versions: version 1 messages may still wait in an outbox or among dead letters.
    handlers={TicketCreated: handlers.ticket_created, TicketCreatedV2: handlers.ticket_created},
)
