"""One function per message the customer quantum receives; each calls a service."""

from customer_quantum.services.cards import card_activate, card_reject
from customer_quantum.services.invoices import InvoiceForUnknownCustomer, invoice_record
from customer_quantum.services.tickets import StatusForUnknownTicket, ticket_status_record
from message_contracts.cards import CardRejected, CardVerified
from message_contracts.invoices import InvoiceIssued
from message_contracts.tickets import TicketStatusChanged
from messaging.receiver import Unprocessable


def card_verified(message: CardVerified) -> None:
    card_activate(card_id=message.card_id, verified_at=message.verified_at)


def card_rejected(message: CardRejected) -> None:
    card_reject(card_id=message.card_id, reason=message.reason, rejected_at=message.rejected_at)


def invoice_issued(message: InvoiceIssued) -> None:
    try:
        invoice_record(issued=message)
    except InvoiceForUnknownCustomer as error:
        raise Unprocessable(str(error)) from None


def ticket_status_changed(message: TicketStatusChanged) -> None:
    try:
        ticket_status_record(change=message)
    except StatusForUnknownTicket as error:
        raise Unprocessable(str(error)) from None
