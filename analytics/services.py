"""Analytics' write use cases: storing the facts other quanta replicate to it."""

from analytics.models import PaymentFact
from message_contracts.invoices import PaymentRecorded


def payment_fact_record(*, recorded: PaymentRecorded) -> PaymentFact:
    """Stores the fact once; the same payment attempt again changes nothing."""
    fact, _ = PaymentFact.objects.get_or_create(
        payment_id=recorded.payment_id,
        attempt=recorded.attempt,
        defaults={
            "customer_id": recorded.customer_id,
            "period": recorded.period,
            "contract_code": recorded.contract_code,
            "amount": recorded.amount,
            "currency": recorded.currency,
            "outcome": recorded.outcome,
            "invoice_number": recorded.invoice_number,
            "recorded_at": recorded.recorded_at,
        },
    )
    return fact
