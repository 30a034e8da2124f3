"""Billing accounts for the integration tests, a Payment job planned as an operator plans it (a
`manage.py run_payment_job` process of its own on the test databases), and billing's workers that
bill its chunks."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from billing_quantum.card_keys import card_number_encrypt
from billing_quantum.models import BillingAccount, Card, CardStatus
from customer_quantum.models import Customer
from tests.integration.processes import ManagedProcess
from tests.integration.system import REPOSITORY, venv_command

PERIOD = "2026-10"
# The plans' start: before PERIOD, so PERIOD is a month the plans covered whole and is billed.
PLAN_STARTED_AT = datetime(2026, 9, 1, tzinfo=UTC)


def customers_to_bill(count: int, *, number: str = "4242424242424242") -> list[int]:
    """Customers in the customer quantum and their billing accounts, each with a plan and an
    active card, as registration leaves them; returns the customer ids."""
    customers = Customer.objects.bulk_create(
        Customer(user_id=10_000 + n, name=f"Customer {n}", email=f"customer{n}@example.com")
        for n in range(count)
    )
    accounts = BillingAccount.objects.bulk_create(
        BillingAccount(
            customer_id=customer.id,
            customer_name=customer.name,
            customer_email=customer.email,
            contract_code="premium",
            monthly_price=Decimal("29.90"),
            currency="EUR",
            plan_chosen_at=PLAN_STARTED_AT,
            plan_started_at=PLAN_STARTED_AT,
        )
        for customer in customers
    )
    key_id, ciphertext = card_number_encrypt(number)
    Card.objects.bulk_create(
        Card(
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
        for account in accounts
    )
    return [customer.id for customer in customers]


def payment_job(name: str, *, env: dict[str, str], workdir: Path, period: str = PERIOD):
    """Plans the month and follows it until billing's workers have billed it."""
    return ManagedProcess(
        name,
        venv_command("python", f"manage.py run_payment_job --period {period} --wait"),
        env=env,
        cwd=REPOSITORY,
        log_path=workdir / f"{name}.log",
    )


def billing_worker(name: str, *, env: dict[str, str], workdir: Path) -> ManagedProcess:
    """A worker of billing's queue, as production runs one per host: given billing's keys in `env`."""
    return ManagedProcess(
        name,
        venv_command(
            "celery",
            "-A config worker --queues billing --concurrency 1 --loglevel INFO"
            f" --hostname {name}-{uuid.uuid4().hex[:8]}@%h",
        ),
        env=env,
        cwd=REPOSITORY,
        log_path=workdir / f"{name}.log",
    )
