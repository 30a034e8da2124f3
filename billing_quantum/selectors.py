"""Billing's read queries: who the Payment job bills, and what administrators look at."""

from datetime import datetime

from django.db.models import QuerySet

from billing_quantum.models import BillingAccount, Card, CardStatus, Payment, PaymentStatus


def accounts_to_bill(*, month_start: datetime) -> QuerySet[BillingAccount]:
    """Accounts with a plan to charge for the month starting at `month_start`: a contract, a price
    above zero, and a plan started by then. The month a plan starts in is not billed: billing
    starts with the first whole month, so nobody pays for days before they chose a plan."""
    return (
        BillingAccount.objects.exclude(contract_code="")
        .filter(plan_started_at__lte=month_start)
        .filter(monthly_price__gt=0)
        .exclude(currency="")
        .order_by("pk")
    )


def active_cards_of(account_ids: list[int]) -> dict[int, Card]:
    """The newest active card of each account that has one."""
    cards: dict[int, Card] = {}
    for card in Card.objects.filter(account_id__in=account_ids, status=CardStatus.ACTIVE).order_by(
        "account_id", "-registered_at"
    ):
        cards.setdefault(card.account_id, card)
    return cards


def payments_of_period(*, period: str, account_ids: list[int]) -> QuerySet[Payment]:
    return Payment.objects.filter(period=period, account_id__in=account_ids).select_related(
        "account", "card"
    )


def payments_to_retry(*, period: str | None = None) -> QuerySet[Payment]:
    """Payments with an open alert, oldest first."""
    payments = Payment.objects.filter(
        status__in=[PaymentStatus.DECLINED, PaymentStatus.FAILED], alert__resolved_at__isnull=True
    )
    if period is not None:
        payments = payments.filter(period=period)
    return payments.order_by("created_at")


def cards_under_other_keys(*, key_id: str) -> QuerySet[Card]:
    """Cards whose number is encrypted under an at-rest key other than `key_id`, oldest first;
    a declined card keeps no number, so names no key."""
    return Card.objects.exclude(key_id__in=["", key_id]).order_by("pk")
