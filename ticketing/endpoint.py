"""Ticketing's end of the message bus: which handler applies each message it receives."""

from message_contracts.tickets import TicketCreated
from messaging.endpoint import Endpoint
from ticketing import handlers

endpoint = Endpoint(app_label="ticketing", handlers={TicketCreated: handlers.ticket_created})
