"""Billing's read queries: who the Payment job bills, and what administrators look at."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet, Sum

from billing_quantum.models import (
    CHUNK_OUTCOMES,
    BillingAccount,
    Card,
    CardStatus,
    Payment,
    PaymentChunk,
    PaymentRun,
    PaymentStatus,
)


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


@dataclass(frozen=True)
class PaymentRunProgress:
    """Where a month's run stands, summed over its chunks."""

    period: str
    planned_at: datetime
    accounts: int  # accounts planned
    done: int  # accounts handled so far
    chunks: int
    chunks_finished: int
    chunks_given_up: int  # their worker kept dying on them: staff look at the chunk's error
    started_at: datetime | None  # when the first chunk started
    finished_at: datetime | None
    counts: Counter[str]

    def expected_end(self, *, now: datetime) -> datetime | None:
        """At the rate so far; None before any account is done, or once finished."""
        if self.finished_at is not None or self.started_at is None or self.done == 0:
            return None
        rate = self.done / max((now - self.started_at).total_seconds(), 1.0)
        return now + timedelta(seconds=max(self.accounts - self.done, 0) / rate)

    def outcome(self) -> str:
        counts = self.counts
        return (
            f"{counts['charged']} charged, {counts['declined']} declined, "
            f"{counts['failed']} failed (no answer), {counts['skipped']} skipped (no active card), "
            f"{counts['already_done']} already done"
        )

    def __str__(self) -> str:
        return f"{self.period}: {self.outcome()}"


def payment_run_progress(*, run: PaymentRun) -> PaymentRunProgress:
    totals = PaymentChunk.objects.filter(run=run).aggregate(
        chunks=Count("pk"),
        chunks_finished=Count("pk", filter=Q(finished_at__isnull=False)),
        chunks_given_up=Count("pk", filter=~Q(error="")),
        started_at=Min("started_at"),
        done=Sum("done", default=0),
        **{outcome: Sum(outcome, default=0) for outcome in CHUNK_OUTCOMES},
    )
    run.refresh_from_db(fields=["finished_at"])
    return PaymentRunProgress(
        period=run.period,
        planned_at=run.planned_at,
        accounts=run.accounts,
        done=totals["done"],
        chunks=totals["chunks"],
        chunks_finished=totals["chunks_finished"],
        chunks_given_up=totals["chunks_given_up"],
        started_at=totals["started_at"],
        finished_at=run.finished_at,
        counts=Counter({outcome: totals[outcome] for outcome in CHUNK_OUTCOMES}),
    )


def payment_run_latest() -> PaymentRun | None:
    """The run planned last, finished or not: what staff watch."""
    return PaymentRun.objects.order_by("-planned_at").first()
