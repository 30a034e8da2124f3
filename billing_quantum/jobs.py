"""The monthly Payment job: charges every account with a plan and an active card for one month.

A month is planned once: its accounts are split into chunks of consecutive account ids, each a
task on billing's queue, so every billing worker on every host bills the same month. Each chunk
charges many cards at once on a pool of threads: the provider is I/O bound (a real one takes a few
hundred milliseconds a charge), so a process waits on many charges for the CPU of one.

Safe to plan again, twice at once, and to lose a worker mid-chunk: each account's payment for the
month is a row created (unique per account and month) before the provider is asked, and the
provider is always asked under that payment's idempotency key, so it answers a repeated request
with the original result instead of charging again. A chunk is acknowledged only once billed, so
the chunk of a killed worker is delivered again and takes up what is still pending.
"""

import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from tqdm import tqdm

from billing_quantum.apps import DATABASE
from billing_quantum.models import (
    CHUNK_OUTCOMES,
    Payment,
    PaymentChunk,
    PaymentRun,
    PaymentStatus,
)
from billing_quantum.payment_provider import PaymentProvider, payment_provider
from billing_quantum.selectors import (
    PaymentRunProgress,
    accounts_to_bill,
    active_cards_of,
    payment_run_progress,
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
from messaging.errors import describe_error

# Accounts handled per step; each step's results are settled in one transaction.
BATCH_SIZE = 200
CHUNK_TASK = "billing.bill_payment_chunk"
# How often `run_payment_job --wait` looks at the run's progress.
PROGRESS_POLL_SECONDS = 1.0


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
class DryRunSummary:
    period: str
    counts: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        return (
            f"{self.period} (dry run, nothing charged or written): "
            f"{self.counts['to_charge']} to charge, {self.counts['resume']} to resume, "
            f"{self.counts['skipped']} skipped (no active card), "
            f"{self.counts['already_done']} already done"
        )


@dataclass(frozen=True)
class PlannedRun:
    run: PaymentRun
    created: bool  # False: the month was being billed already, this plan joined it
    handed_over: int  # chunks handed to the broker by this plan
    refusal: str | None = None  # why the broker refused the rest, if it did

    def __str__(self) -> str:
        chunks = self.run.chunks.count()
        said = (
            f"{self.run.period}: planned {self.run.accounts} account(s) in {chunks} chunk(s)"
            if self.created
            else f"{self.run.period}: being billed since {self.run.planned_at:%Y-%m-%d %H:%M:%S}"
        )
        return f"{said}, {self.handed_over} chunk(s) handed to billing's workers by this plan"


def payment_run_plan(*, period: str) -> PlannedRun:
    """Plans the month's run, or joins the one that is billing it, and hands billing's workers
    each chunk not handed over yet. A month already billed is planned again: its chunks find each
    account's payment settled and charge nobody twice."""
    period_check_over(period, today=timezone.localdate())
    run, created = _run_of(period)
    handed_over, refusal = _chunks_hand_over(run)
    return PlannedRun(run=run, created=created, handed_over=handed_over, refusal=refusal)


def _run_of(period: str) -> tuple[PaymentRun, bool]:
    try:
        with transaction.atomic(using=DATABASE):
            if run := PaymentRun.objects.filter(period=period, finished_at__isnull=True).first():
                return run, False
            account_ids = list(
                accounts_to_bill(month_start=period_start(period)).values_list("pk", flat=True)
            )
            run = PaymentRun.objects.create(
                period=period,
                accounts=len(account_ids),
                finished_at=None if account_ids else timezone.now(),
            )
            size = settings.PAYMENT_JOB_CHUNK_SIZE
            PaymentChunk.objects.bulk_create(
                PaymentChunk(
                    run=run,
                    number=number,
                    first_account_id=ids[0],
                    last_account_id=ids[-1],
                    accounts=len(ids),
                )
                for number, ids in enumerate(
                    (
                        account_ids[start : start + size]
                        for start in range(0, len(account_ids), size)
                    ),
                    start=1,
                )
            )
            return run, True
    except IntegrityError:
        # Another plan of the month committed its run first: that run is the month's.
        return PaymentRun.objects.get(period=period, finished_at__isnull=True), False


def _chunks_hand_over(run: PaymentRun) -> tuple[int, str | None]:
    """Queues each chunk of the run not handed over yet, once: the chunks are locked while they
    are queued, so a plan running at the same time skips them instead of queuing them twice."""
    handed_over: list[int] = []
    refusal = None
    with transaction.atomic(using=DATABASE):
        chunk_ids = list(
            run.chunks.filter(handed_over_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        for chunk_id in chunk_ids:
            try:
                current_app.send_task(CHUNK_TASK, args=[chunk_id], queue=DATABASE, retry=False)
            except Exception as error:  # whatever the broker says, the next plan tries again
                refusal = describe_error(error)
                break
            handed_over.append(chunk_id)
        PaymentChunk.objects.filter(pk__in=handed_over).update(handed_over_at=timezone.now())
    return len(handed_over), refusal


def payment_chunk_bill(*, chunk_id: int, provider: PaymentProvider) -> None:
    """Bills a chunk's accounts, recording its progress after each batch. A copy of a finished
    chunk does nothing; a chunk delivered more often than PAYMENT_JOB_CHUNK_MAX_DELIVERIES (its
    worker keeps dying on it) is given up, with the reason, for staff to look at."""
    chunk = PaymentChunk.objects.select_related("run").get(pk=chunk_id)
    if chunk.finished_at is not None:
        return
    chunks = PaymentChunk.objects.filter(pk=chunk_id)
    if chunk.deliveries >= settings.PAYMENT_JOB_CHUNK_MAX_DELIVERIES:
        chunks.update(
            finished_at=timezone.now(),
            error=f"given up after {chunk.deliveries} deliveries: its worker stopped each time",
        )
        _run_finish_if_done(chunk.run)
        return
    # A chunk delivered again counts from zero: what its first delivery settled is already done.
    chunks.update(
        deliveries=F("deliveries") + 1,
        started_at=timezone.now(),
        done=0,
        **dict.fromkeys(CHUNK_OUTCOMES, 0),
    )
    period = chunk.run.period
    account_ids = list(
        accounts_to_bill(month_start=period_start(period))
        .filter(pk__gte=chunk.first_account_id, pk__lte=chunk.last_account_id)
        .values_list("pk", flat=True)
    )

    def settled(asked: _BatchAsked) -> None:
        counts = asked.settle()
        chunks.update(
            done=F("done") + asked.accounts,
            **{outcome: F(outcome) + counts[outcome] for outcome in CHUNK_OUTCOMES},
        )

    # The next batch is asked for before the last one is settled, so the charging threads wait
    # on the provider while this thread writes: the chunk goes at the provider's pace, not at its
    # pace plus the settlements'.
    with _Charger(provider=provider) as charger:
        asked = None
        for start in range(0, len(account_ids), BATCH_SIZE):
            following = _ask(
                period=period, account_ids=account_ids[start : start + BATCH_SIZE], charger=charger
            )
            if asked is not None:
                settled(asked)
            asked = following
        if asked is not None:
            settled(asked)
    chunks.update(finished_at=timezone.now())
    _run_finish_if_done(chunk.run)


def _run_finish_if_done(run: PaymentRun) -> None:
    # Asked after this chunk's finish committed: of two chunks finishing at once, the later one
    # sees both finished.
    if not run.chunks.filter(finished_at__isnull=True).exists():
        PaymentRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )


def payment_run_follow(*, run: PaymentRun, show_progress: bool = False) -> PaymentRunProgress:
    """Waits until the run is finished, showing its progress; returns its outcome."""
    progress = payment_run_progress(run=run)
    with tqdm(
        total=progress.accounts,
        unit="account",
        desc=f"Billing {run.period}",
        disable=not show_progress,
    ) as bar:
        while True:
            bar.update(min(progress.done, progress.accounts) - bar.n)
            if progress.finished_at is not None:
                return progress
            time.sleep(PROGRESS_POLL_SECONDS)
            progress = payment_run_progress(run=run)


def payment_job_dry_run(*, period: str) -> DryRunSummary:
    """What a run would do now, counted without writing anything."""
    period_check_over(period, today=timezone.localdate())
    summary = DryRunSummary(period=period)
    account_ids = list(
        accounts_to_bill(month_start=period_start(period)).values_list("pk", flat=True)
    )
    for start in range(0, len(account_ids), BATCH_SIZE):
        counts, resumed, cards = _survey(
            period=period, account_ids=account_ids[start : start + BATCH_SIZE]
        )
        counts["resume"], counts["to_charge"] = resumed, len(cards)
        summary.counts += counts
    return summary


def _survey(*, period: str, account_ids: list[int]) -> tuple[Counter[str], int, dict]:
    """A batch of accounts as the month stands: counts of those already done and skipped, how
    many payments are pending, and the active card of each account still to charge."""
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
    return counts, resumed, cards


@dataclass
class _BatchAsked:
    """A batch whose payments are open and whose charges are asked for, not yet settled."""

    accounts: int
    counts: Counter[str]
    pending: list[Payment]
    answers: Callable[[], list[ChargeAnswer]]

    def settle(self) -> Counter[str]:
        answers = list(zip(self.pending, self.answers(), strict=True))
        return self.counts + payments_settle(answers=answers)


def _ask(*, period: str, account_ids: list[int], charger: "_Charger") -> _BatchAsked:
    """Opens the batch's payments and hands their charges to the charger."""
    counts, _, cards = _survey(period=period, account_ids=account_ids)
    accounts = accounts_to_bill(month_start=period_start(period)).filter(pk__in=list(cards))
    payments_open(
        period=period, cards_by_account={account: cards[account.pk] for account in accounts}
    )
    pending = list(
        payments_of_period(period=period, account_ids=account_ids).filter(
            status=PaymentStatus.PENDING
        )
    )
    return _BatchAsked(
        accounts=len(account_ids), counts=counts, pending=pending, answers=charger.ask(pending)
    )


class _Charger:
    """Asks the provider PAYMENT_JOB_CONCURRENT_CHARGES charges at a time, on threads kept for a
    whole chunk, so each thread opens its database connection once a chunk, not once a batch.
    Threads of its own rather than an executor's: a connection can be closed only by the thread
    that opened it, so each thread closes its own when it is told to stop."""

    def __init__(self, *, provider: PaymentProvider) -> None:
        self.provider = provider
        self.work: queue.SimpleQueue = queue.SimpleQueue()
        slots = settings.PAYMENT_JOB_CONCURRENT_CHARGES
        self.threads = [
            threading.Thread(target=self._charge_until_told_to_stop, name=f"charge-{n}")
            for n in range(slots if slots > 1 else 0)
        ]
        for thread in self.threads:
            thread.start()

    def __enter__(self) -> "_Charger":
        return self

    def ask(self, payments: list[Payment]) -> Callable[[], list[ChargeAnswer]]:
        """Queues the charges behind those already asked for; returns how to wait for them."""
        if not self.threads:
            answers = [
                payment_charge(payment=payment, provider=self.provider) for payment in payments
            ]
            return lambda: answers
        results: queue.SimpleQueue = queue.SimpleQueue()
        for index, payment in enumerate(payments):
            self.work.put((index, payment, results))

        def answers() -> list[ChargeAnswer]:
            answered: list[ChargeAnswer | None] = [None] * len(payments)
            for _ in payments:
                index, answer = results.get()
                if isinstance(answer, Exception):
                    raise answer
                answered[index] = answer
            return answered  # type: ignore[return-value]  # every slot was filled

        return answers

    def _charge_until_told_to_stop(self) -> None:
        try:
            while (item := self.work.get()) is not None:
                index, payment, results = item
                try:
                    results.put((index, payment_charge(payment=payment, provider=self.provider)))
                except Exception as error:  # handed to the caller, which raises it
                    results.put((index, error))
        finally:
            connections.close_all()

    def __exit__(self, *_) -> None:
        for _ in self.threads:
            self.work.put(None)
        for thread in self.threads:
            thread.join()


def payment_alerts_retry(
    *, period: str | None = None, provider: PaymentProvider | None = None
) -> Counter[str]:
    """Charges again every payment with an open alert; returns how many ended in each status."""
    provider = provider or payment_provider()
    return Counter(
        payment_retry(payment=payment, provider=provider)
        for payment in payments_to_retry(period=period)
    )
