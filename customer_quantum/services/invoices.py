"""Invoices billing issued: the customer quantum keeps its copy, so the portal shows the billing
history without asking billing."""

from customer_quantum.apps import DATABASE
from customer_quantum.models import Customer, Invoice
from customer_quantum.services.notifications import customer_notify
from message_contracts.invoices import InvoiceIssued
from message_contracts.notifications import NotificationType
from messaging.receiver import delivery_transaction


class InvoiceForUnknownCustomer(Exception):
    """Billing invoiced a customer id this quantum does not hold: no retry can change that."""


def invoice_record(*, issued: InvoiceIssued) -> Invoice:
    """Stores the customer's copy once and asks notifications to send it to the customer; the same
    invoice again changes nothing."""
    with delivery_transaction(DATABASE):
        customer = Customer.objects.filter(pk=issued.customer_id).first()
        if customer is None:
            raise InvoiceForUnknownCustomer(
                f"invoice {issued.number} is for customer {issued.customer_id}, who is not known here"
            )
        invoice, created = Invoice.objects.get_or_create(
            id=issued.invoice_id,
            defaults={
                "customer": customer,
                "number": issued.number,
                "period": issued.period,
                "issued_on": issued.issued_on,
                "lines": [line.model_dump(mode="json") for line in issued.lines],
                "total": issued.total,
                "currency": issued.currency,
                "status": issued.status,
                "issued_at": issued.issued_at,
            },
        )
        if created:
            _customer_notified(customer=customer, issued=issued)
    return invoice


def _customer_notified(*, customer: Customer, issued: InvoiceIssued) -> None:
    lines = "\n".join(
        f"{line.description}: {line.quantity} x {line.unit_price} = {line.amount}"
        for line in issued.lines
    )
    customer_notify(
        customer=customer,
        notification_type=NotificationType.INVOICE_ISSUED,
        context={
            "number": issued.number,
            "period": issued.period,
            "issued_on": issued.issued_on.isoformat(),
            "lines": lines,
            "total": str(issued.total),
            "currency": issued.currency,
            "status": issued.status,
        },
        reference=issued.number,
        requested_at=issued.issued_at,
    )
