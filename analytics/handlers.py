"""One function per message analytics receives; each calls a service."""

from analytics.services import payment_fact_record
from message_contracts.invoices import PaymentRecorded


def payment_recorded(message: PaymentRecorded) -> None:
    payment_fact_record(recorded=message)
