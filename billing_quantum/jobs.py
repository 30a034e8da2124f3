"""The monthly Payment job: charges every account with a plan and an active card for one month.

Safe to run again, twice at once, or after being killed: each account's payment for the month is a
row created (unique per account and month) before the provider is asked, and the provider is always
asked under that payment's idempotency key, so it answers a repeated request with the original
result instead of charging again.
"""

import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import connections
from django.utils import timezone
from tqdm import tqdm

from billing_quantum.models import Payment, PaymentStatus
from billing_quantum.payment_provider import PaymentProvider, payment_provider
from billing_quantum.selectors import (
    accounts_to_bill,
    active_cards_of,
    payments_of_period,
    payments_to_retry,
)
from billing_quantum.services import (
    ChargeAnswer,
    payment_charge,
    payment_retry,
    payments_open,
    payments_settle,
)

# Accounts handled per step; each step's results are settled in one transaction.
BATCH_SIZE = 200


class PeriodInvalid(ValueError):
    pass


def period_parse(text: str) -> str:
    """A billing period as YYYY-MM, a real month; raises PeriodInvalid saying what is wrong."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text)
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise PeriodInvalid(f"period {text!r} is not a month written YYYY-MM, e.g. 2026-11")
    return text


def period_start(period: str) -> datetime:
    """The first moment of a YYYY-MM month, in the business's time zone."""
    year, month = map(int, period.split("-"))
    return timezone.make_aware(datetime(year, month, 1))


def period_check_over(period: str, *, today: date) -> None:
    """Raises PeriodInvalid unless the month has ended: a month is billed once it is over."""
    if period >= f"{today.year:04d}-{today.month:02d}":
        raise PeriodInvalid(
            f"period {period} has not ended yet: bill a month once it is over, "
            f"the latest is {previous_period(today)}"
        )


def previous_period(today: date) -> str:
    """The month the scheduler bills on the first of the next one."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@dataclass
class PaymentRunSummary:
    period: str
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.dry_run:
            return (
                f"{self.period} (dry run, nothing charged or written): "
                f"{self.counts['to_charge']} to charge, {self.counts['resume']} to resume, "
                f"{self.counts['skipped']} skipped (no active card), "
                f"{self.counts['already_done']} already done"
            )
        return (
            f"{self.period}: {self.counts[PaymentStatus.CHARGED]} charged, "
            f"{self.counts[PaymentStatus.DECLINED]} declined, "
            f"{self.counts[PaymentStatus.FAILED]} failed (no answer), "
            f"{self.counts['skipped']} skipped (no active card), "
            f"{self.counts['already_done']} already done, in {self.seconds:.1f}s"
        )


def payment_job_run(
    *,
    period: str,
    dry_run: bool = False,
    show_progress: bool = False,
    provider: PaymentProvider | None = None,
) -> PaymentRunSummary:
    period_check_over(period, today=timezone.localdate())
    provider = provider or payment_provider()
    summary = PaymentRunSummary(period=period, dry_run=dry_run)
    started = time.monotonic()
    account_ids = list(
        accounts_to_bill(month_start=period_start(period)).values_list("pk", flat=True)
    )
    with tqdm(
        total=len(account_ids), unit="account", desc=f"Billing {period}", disable=not show_progress
    ) as progress:
        for start in range(0, len(account_ids), BATCH_SIZE):
            batch = account_ids[start : start + BATCH_SIZE]
            summary.counts += _bill(
                period=period, account_ids=batch, provider=provider, dry_run=dry_run
            )
            progress.update(len(batch))
    summary.seconds = time.monotonic() - started
    return summary


def _bill(
    *, period: str, account_ids: list[int], provider: PaymentProvider, dry_run: bool
) -> Counter[str]:
    counts: Counter[str] = Counter()
    statuses = dict(
        payments_of_period(period=period, account_ids=account_ids).values_list(
            "account_id", "status"
        )
    )
    # A pending payment is one a killed or concurrent run opened: it is asked for again, with the
    # card and amount it was opened with, whatever the account holds now.
    resumed = sum(status == PaymentStatus.PENDING for status in statuses.values())
    counts["already_done"] = len(statuses) - resumed
    cards = active_cards_of([pk for pk in account_ids if pk not in statuses])
    counts["skipped"] = len(account_ids) - len(statuses) - len(cards)
    if dry_run:
        counts["resume"], counts["to_charge"] = resumed, len(cards)
        return counts
    accounts = accounts_to_bill(month_start=period_start(period)).filter(pk__in=list(cards))
    payments_open(
        period=period, cards_by_account={account: cards[account.pk] for account in accounts}
    )
    pending = payments_of_period(period=period, account_ids=account_ids).filter(
        status=PaymentStatus.PENDING
    )
    pending = list(pending)
    answers = _charges(payments=pending, provider=provider)
    counts += payments_settle(answers=list(zip(pending, answers, strict=True)))
    return counts


def _charges(*, payments: list[Payment], provider: PaymentProvider) -> list[ChargeAnswer]:
    """The provider's answers, asked PAYMENT_JOB_CONCURRENT_CHARGES at a time: a real provider
    takes a few hundred milliseconds a charge, so one at a time would not bill a month in a night."""
    slots = settings.PAYMENT_JOB_CONCURRENT_CHARGES
    if slots == 1:
        return [payment_charge(payment=payment, provider=provider) for payment in payments]
    answers: dict[object, ChargeAnswer] = {}

    def charge(share: list[Payment]) -> None:
        try:
            for payment in share:
                answers[payment.pk] = payment_charge(payment=payment, provider=provider)
        finally:
            connections.close_all()  # this thread's own connections, which nobody else closes

    with ThreadPoolExecutor(max_workers=slots) as pool:
        list(pool.map(charge, [payments[slot::slots] for slot in range(slots)]))
    return [answers[payment.pk] for payment in payments]


def payment_alerts_retry(
    *, period: str | None = None, provider: PaymentProvider | None = None
) -> Counter[str]:
    """Charges again every payment with an open alert; returns how many ended in each status."""
    provider = provider or payment_provider()
    return Counter(
        payment_retry(payment=payment, provider=provider)
        for payment in payments_to_retry(period=period)
    )
