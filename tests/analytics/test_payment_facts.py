"""Analytics keeps one fact per settled charge billing reports, for the financial reports."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from analytics.endpoint import endpoint
from analytics.models import PaymentFact
from billing_quantum.endpoint import endpoint as billing_endpoint
from message_contracts.invoices import PaymentRecorded
from messaging.models import OutboxMessage
from messaging.receiver import Outcome
from tests.billing_quantum.traces import envelope_of

pytestmark = pytest.mark.django_db(databases="__all__")


def payment_recorded(**changes) -> dict:
    fields = {
        "payment_id": uuid.uuid4(),
        "attempt": 1,
        "customer_id": 7,
        "period": "2026-10",
        "contract_code": "premium",
        "amount": Decimal("29.90"),
        "currency": "EUR",
        "outcome": "charged",
        "invoice_number": "2026-000001",
        "recorded_at": timezone.now(),
    }
    with transaction.atomic(using="billing"):
        message_id = billing_endpoint.publish(PaymentRecorded(**(fields | changes)))
    return envelope_of(OutboxMessage.objects.using("billing").get(pk=message_id), sender="billing")


def test_a_payment_fact_is_stored_once():
    envelope = payment_recorded()

    assert endpoint.receive(envelope) == Outcome.APPLIED
    assert endpoint.receive(envelope) == Outcome.DUPLICATE

    fact = PaymentFact.objects.get()
    assert (fact.period, fact.amount, fact.outcome, fact.invoice_number) == (
        "2026-10",
        Decimal("29.90"),
        "charged",
        "2026-000001",
    )


def test_a_retry_after_a_decline_is_a_fact_of_its_own():
    payment_id = uuid.uuid4()
    endpoint.receive(payment_recorded(payment_id=payment_id, outcome="declined", invoice_number=""))
    endpoint.receive(payment_recorded(payment_id=payment_id, attempt=2))

    assert list(PaymentFact.objects.order_by("attempt").values_list("outcome", flat=True)) == [
        "declined",
        "charged",
    ]
