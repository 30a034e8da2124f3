"""Billing records the plan each customer chose, at the agreed price; plans can arrive out of order,
and an older one never replaces a newer one."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing_quantum.endpoint import endpoint
from billing_quantum.models import BillingAccount, Card, Payment
from message_contracts.support_plans import SupportPlanChosen
from messaging.receiver import Outcome
from tests.billing_quantum.conftest import active_card_add

pytestmark = pytest.mark.django_db(databases="__all__")

CHOSEN_AT = timezone.now().replace(microsecond=0)


def plan(**changes) -> SupportPlanChosen:
    fields = {
        "customer_id": 7,
        "customer_name": "Alice Martin",
        "customer_email": "alice@example.com",
        "contract_code": "premium",
        "monthly_price": Decimal("29.90"),
        "currency": "EUR",
        "chosen_at": CHOSEN_AT,
    }
    return SupportPlanChosen(**(fields | changes))


def account_plan() -> tuple:
    return BillingAccount.objects.values_list(
        "customer_name", "customer_email", "contract_code", "monthly_price", "currency"
    ).get(customer_id=7)


def test_a_chosen_plan_opens_the_account_billing_charges(from_customer):
    assert endpoint.receive(from_customer(plan())) == Outcome.APPLIED

    account = BillingAccount.objects.get()
    assert account_plan() == (
        "Alice Martin",
        "alice@example.com",
        "premium",
        Decimal("29.90"),
        "EUR",
    )
    assert account.plan_chosen_at == account.plan_started_at == CHOSEN_AT


def test_a_newer_plan_replaces_the_one_the_account_has(from_customer):
    endpoint.receive(from_customer(plan()))

    endpoint.receive(
        from_customer(
            plan(
                contract_code="basic",
                monthly_price=Decimal("9.90"),
                customer_email="alice@new.example.com",
                chosen_at=CHOSEN_AT + timedelta(days=1),
            )
        )
    )

    assert account_plan() == (
        "Alice Martin",
        "alice@new.example.com",
        "basic",
        Decimal("9.90"),
        "EUR",
    )
    assert BillingAccount.objects.get().plan_chosen_at == CHOSEN_AT + timedelta(days=1)


def test_an_older_plan_arriving_late_changes_nothing(from_customer):
    endpoint.receive(from_customer(plan()))

    outcome = endpoint.receive(
        from_customer(
            plan(
                contract_code="basic",
                monthly_price=Decimal("9.90"),
                customer_name="Alice M.",
                chosen_at=CHOSEN_AT - timedelta(minutes=1),
            )
        )
    )

    assert outcome == Outcome.APPLIED
    assert account_plan() == (
        "Alice Martin",
        "alice@example.com",
        "premium",
        Decimal("29.90"),
        "EUR",
    )
    assert BillingAccount.objects.get().plan_chosen_at == CHOSEN_AT


def test_a_plan_fills_the_account_a_card_opened_first(card_registered, from_customer):
    endpoint.receive(from_customer(card_registered()))

    endpoint.receive(from_customer(plan()))

    account = BillingAccount.objects.get()
    assert account_plan()[2] == "premium"
    assert Card.objects.get().account == account


def test_a_plan_changed_mid_month_keeps_the_month_billable(from_customer, month_billed):
    started = datetime(2026, 9, 10, 9, tzinfo=UTC)
    endpoint.receive(from_customer(plan(chosen_at=started)))
    changed = plan(
        contract_code="basic",
        monthly_price=Decimal("9.90"),
        chosen_at=datetime(2026, 10, 20, 9, tzinfo=UTC),
    )
    endpoint.receive(from_customer(changed))
    active_card_add(account=BillingAccount.objects.get(), number="4242424242424242")

    summary = month_billed("2026-10")

    assert BillingAccount.objects.get().plan_started_at == started
    assert summary.counts["charged"] == 1
    assert Payment.objects.get().amount == Decimal("9.90")


def test_an_older_plan_arriving_late_moves_the_plan_start_back(from_customer):
    endpoint.receive(from_customer(plan()))

    endpoint.receive(from_customer(plan(chosen_at=CHOSEN_AT - timedelta(days=40))))

    account = BillingAccount.objects.get()
    assert (account.plan_started_at, account.plan_chosen_at) == (
        CHOSEN_AT - timedelta(days=40),
        CHOSEN_AT,
    )
