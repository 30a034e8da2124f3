import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing_quantum.card_keys import card_number_encrypt
from billing_quantum.jobs import payment_run_plan
from billing_quantum.models import BillingAccount, Card, CardStatus
from billing_quantum.selectors import PaymentRunProgress, payment_run_progress
from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.cards import CardRegistered
from messaging.models import OutboxMessage
from tests.billing_quantum.traces import envelope_of, seal


@pytest.fixture
def card():
    """Card data as the customer quantum seals it: a valid card that has not expired."""
    return {
        "number": "4242424242424242",
        "expiry_month": 12,
        "expiry_year": timezone.now().year + 3,
        "cvc": "319",
        "holder_name": "Alice Martin",
    }


@pytest.fixture
def card_registered(card):
    """A CardRegistered carrying `card` (with any changes) sealed with billing's public key."""

    def build(*, sealed_card: str | None = None, key_id: str | None = None, **changes):
        return CardRegistered(
            card_id=uuid.uuid4(),
            customer_id=7,
            key_id=key_id or settings.CARD_SEALING_KEY_ID,
            sealed_card=sealed_card or seal(card | changes),
            registered_at=timezone.now(),
        )

    return build


@pytest.fixture
def from_customer():
    """Publishes a message from the customer quantum; returns the envelope billing's worker gets."""

    def publish(message) -> dict:
        with transaction.atomic(using="customer"):
            message_id = customer_endpoint.publish(message)
        return envelope_of(
            OutboxMessage.objects.using("customer").get(pk=message_id), sender="customer"
        )

    return publish


# Before any month the tests bill, so each of those months is billable.
PLAN_STARTED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def account_to_bill():
    """A billing account with a plan started at `plan_started_at` and, unless `card_number` is
    None, an active card."""

    def create(
        *,
        customer_id: int,
        card_number: str | None = "4242424242424242",
        price: str = "29.90",
        plan_started_at: datetime = PLAN_STARTED_AT,
    ) -> BillingAccount:
        account = BillingAccount.objects.create(
            customer_id=customer_id,
            customer_name=f"Customer {customer_id}",
            customer_email=f"customer{customer_id}@example.com",
            contract_code="premium",
            monthly_price=Decimal(price),
            currency="EUR",
            plan_chosen_at=plan_started_at,
            plan_started_at=plan_started_at,
        )
        if card_number is not None:
            active_card_add(account=account, number=card_number)
        return account

    return create


def active_card_add(*, account: BillingAccount, number: str) -> Card:
    """An active card as billing keeps one after verifying it: the number encrypted at rest."""
    key_id, ciphertext = card_number_encrypt(number)
    return Card.objects.create(
        card_id=uuid.uuid4(),
        account=account,
        brand="Visa",
        last4=number[-4:],
        expiry_month=12,
        expiry_year=timezone.now().year + 3,
        holder_name=account.customer_name,
        number_ciphertext=ciphertext,
        key_id=key_id,
        status=CardStatus.ACTIVE,
        registered_at=timezone.now(),
    )


@pytest.fixture(autouse=True)
def charges_one_at_a_time(settings):
    """The unit tests' SQLite database is not shared with other threads' connections."""
    settings.PAYMENT_JOB_CONCURRENT_CHARGES = 1


@pytest.fixture
def month_billed(worker_runs):
    """Plans a month, then runs the chunk tasks the plan queued as billing's worker would run
    them; returns the run's outcome: what a whole run of the Payment job leaves behind."""

    def bill(period: str) -> PaymentRunProgress:
        run = payment_run_plan(period=period).run
        worker_runs("billing")
        return payment_run_progress(run=run)

    return bill
