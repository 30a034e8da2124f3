"""The payment provider billing charges cards through: an interface, and a simulated provider that
answers as a real one does, so every path of the Payment job can be tried without a contract.

Like a real provider (Stripe, Adyen), the simulated one remembers each idempotency key and answers
a repeated key with the original result instead of charging again; a timed-out request leaves no
trace, so asking again with the same key is always safe.
"""

import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.views.decorators.debug import sensitive_variables

from billing_quantum.apps import DATABASE
from billing_quantum.models import SimulatedProviderCharge


@dataclass(frozen=True)
class ChargeRequest:
    idempotency_key: str
    card_number: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    reference: str
    decline_reason: str = ""


class ProviderTimeout(Exception):
    """No answer in time: the charge may or may not have happened. Ask again with the same key."""


class ProviderRefused(Exception):
    """The provider refused the request itself (not the card): e.g. a key reused for another amount."""


class PaymentProvider(Protocol):
    def charge(self, request: ChargeRequest) -> ChargeResult: ...


# Test cards that pass billing's card verification, then behave at charging time as documented in
# the README. Any other card is approved.
DECLINED_AT_CHARGE = {
    "4000000000000341": "the card was declined by its issuer",
    "4000000000009995": "insufficient funds",
}
TIMES_OUT = "4000000000000259"


class SimulatedPaymentProvider:
    """Answers after PAYMENT_PROVIDER_LATENCY_SECONDS; keeps its ledger in a table of its own."""

    @sensitive_variables("request")
    def charge(self, request: ChargeRequest) -> ChargeResult:
        time.sleep(settings.PAYMENT_PROVIDER_LATENCY_SECONDS)
        if request.card_number == TIMES_OUT:
            raise ProviderTimeout("the payment provider did not answer in time")
        decline_reason = DECLINED_AT_CHARGE.get(request.card_number, "")
        try:
            with transaction.atomic(using=DATABASE):
                charge = SimulatedProviderCharge.objects.create(
                    idempotency_key=request.idempotency_key,
                    amount=request.amount,
                    currency=request.currency,
                    approved=not decline_reason,
                    reference=f"sim_{uuid.uuid4().hex[:20]}",
                    decline_reason=decline_reason,
                )
        except IntegrityError:
            charge = self._repeated(request)
        return ChargeResult(
            approved=charge.approved,
            reference=charge.reference,
            decline_reason=charge.decline_reason,
        )

    def _repeated(self, request: ChargeRequest) -> SimulatedProviderCharge:
        charges = SimulatedProviderCharge.objects.filter(idempotency_key=request.idempotency_key)
        charges.update(requests=F("requests") + 1)
        charge = charges.get()
        if (charge.amount, charge.currency) != (request.amount, request.currency):
            raise ProviderRefused(
                f"idempotency key {request.idempotency_key} was used for another amount"
            )
        return charge


def payment_provider() -> PaymentProvider:
    return SimulatedPaymentProvider()
