"""The customer quantum keeps its copy of each invoice billing issues, once, and shows each customer
their own invoices only: in the portal and over the API."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from billing_quantum.endpoint import endpoint as billing_endpoint
from customer_quantum.endpoint import endpoint
from customer_quantum.models import Invoice
from message_contracts.invoices import InvoiceIssued, InvoiceLine
from messaging.models import DeadLetter, OutboxMessage
from messaging.receiver import Outcome
from tests.billing_quantum.traces import envelope_of
from tests.customer_quantum.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def invoice_issued(*, customer_id: int, number: str = "2026-000001") -> dict:
    """An InvoiceIssued as billing publishes it, in the envelope the customer worker receives."""
    line = InvoiceLine(
        description="Support plan premium, 2026-10",
        quantity=1,
        unit_price=Decimal("29.90"),
        amount=Decimal("29.90"),
    )
    message = InvoiceIssued(
        invoice_id=uuid.uuid4(),
        number=number,
        customer_id=customer_id,
        period="2026-10",
        issued_on=date(2026, 11, 1),
        lines=[line],
        total=Decimal("29.90"),
        currency="EUR",
        status="paid",
        issued_at=timezone.now(),
    )
    with transaction.atomic(using="billing"):
        message_id = billing_endpoint.publish(message)
    return envelope_of(OutboxMessage.objects.using("billing").get(pk=message_id), sender="billing")


def test_an_issued_invoice_is_kept_once(customer):
    envelope = invoice_issued(customer_id=customer.id)

    assert endpoint.receive(envelope) == Outcome.APPLIED
    assert endpoint.receive(envelope) == Outcome.DUPLICATE

    invoice = Invoice.objects.get()
    assert (invoice.customer, invoice.number, invoice.total, invoice.currency) == (
        customer,
        "2026-000001",
        Decimal("29.90"),
        "EUR",
    )
    assert invoice.lines[0]["description"] == "Support plan premium, 2026-10"


def test_an_invoice_for_an_unknown_customer_goes_to_dead_letters():
    assert endpoint.receive(invoice_issued(customer_id=999_999)) == Outcome.DEAD_LETTERED

    assert "not known here" in DeadLetter.objects.using("customer").get().error
    assert Invoice.objects.count() == 0


def test_the_api_lists_the_customers_own_invoices(customer, api):
    endpoint.receive(invoice_issued(customer_id=customer.id))
    endpoint.receive(invoice_issued(customer_id=CustomerFactory().id, number="2026-000002"))

    response = api.get("/api/customer/invoices/")

    assert response.status_code == 200
    [invoice] = response.json()["results"]
    assert (invoice["number"], invoice["total"], invoice["period"], invoice["status"]) == (
        "2026-000001",
        "29.90",
        "2026-10",
        "paid",
    )
    assert invoice["lines"][0]["amount"] == "29.90"


def test_another_customers_invoice_is_a_404(customer, api):
    endpoint.receive(invoice_issued(customer_id=CustomerFactory().id))
    theirs = Invoice.objects.get()

    assert api.get(f"/api/customer/invoices/{theirs.id}/").status_code == 404
    assert api.get(f"/api/customer/invoices/{uuid.uuid4()}/").status_code == 404


def test_the_api_answers_one_invoice(customer, api):
    endpoint.receive(invoice_issued(customer_id=customer.id))
    mine = Invoice.objects.get()

    response = api.get(f"/api/customer/invoices/{mine.id}/")

    assert (response.status_code, response.json()["number"]) == (200, "2026-000001")


def test_the_api_needs_a_signed_in_customer():
    assert APIClient().get("/api/customer/invoices/").status_code in {401, 403}


def test_the_portal_shows_the_billing_history_and_a_readable_invoice(customer, client):
    endpoint.receive(invoice_issued(customer_id=customer.id))
    mine = Invoice.objects.get()
    client.force_login(UserFactory._meta.model.objects.get(pk=customer.user_id))

    listing = client.get("/invoices/")
    page = client.get(f"/invoices/{mine.id}/")

    assert listing.status_code == page.status_code == 200
    assert "2026-000001" in listing.content.decode()
    content = page.content.decode()
    assert "Support plan premium, 2026-10" in content
    assert "29.90 EUR" in content
    assert customer.name in content


def test_the_portal_hides_another_customers_invoice(customer, client):
    endpoint.receive(invoice_issued(customer_id=CustomerFactory().id))
    theirs = Invoice.objects.get()
    client.force_login(UserFactory._meta.model.objects.get(pk=customer.user_id))

    assert client.get(f"/invoices/{theirs.id}/").status_code == 404
