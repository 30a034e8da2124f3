"""The customer quantum's end of the message bus: which handler applies each message it receives."""

from customer_quantum import handlers
from message_contracts.cards import CardRejected, CardVerified
from message_contracts.invoices import InvoiceIssued
from message_contracts.tickets import TicketStatusChanged
from messaging.endpoint import Endpoint

endpoint = Endpoint(
    app_label="customer_quantum",
    handlers={
        CardVerified: handlers.card_verified,
        CardRejected: handlers.card_rejected,
        InvoiceIssued: handlers.invoice_issued,
        TicketStatusChanged: handlers.ticket_status_changed,
    },
)
