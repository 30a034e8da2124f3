"""How the pipes between the quanta are doing, for operators, health checks and monitoring.

Per quantum: the workers consuming its queue, the queue's depth and whether it keeps growing, the
messages sent to it that it has not confirmed yet (and the oldest one's age), whether its workers
can reach its database, its dead letters and inbox size; the support-contract replica's lag; the
last run of each periodic job. Each figure past its threshold is a problem, so the report doubles
as a health check. One report asks the broker a few cheap questions and waits about a second for
the workers to answer, so it can be scraped every 15 seconds.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from celery.schedules import BaseSchedule, maybe_schedule, schedule
from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import Count, Min
from django.utils import timezone
from kombu import Connection

from billing_quantum.selectors import PaymentRunProgress, payment_run_latest, payment_run_progress
from config.durations import human_duration
from customer_quantum.selectors import replica_synced_at
from customer_quantum.services.support_contracts import WATERMARK as SUPPORT_CONTRACTS
from messaging.broker_notes import DatabaseUnreachable, broker_redis, databases_unreachable
from messaging.errors import describe_error
from messaging.models import DeadLetter, InboxMessage, JobRun, OutboxMessage
from operations.health import queue_consumers
from operations.queue_trend import depths_seen, growing_for

# How long the workers have to say which queues they consume: every report waits this long.
WORKERS_ANSWER_SECONDS = 1.0


@dataclass(frozen=True)
class QuantumStatus:
    quantum: str
    unconfirmed: int  # messages sent to it that it has not confirmed yet
    oldest_unconfirmed: timedelta | None
    dead_letters: int | None  # None when its database cannot be read
    inbox: int | None
    database_error: str | None = None  # why this report could not read its database
    # Workers consuming its queue; None when the broker does not answer.
    consumers: int | None = None
    queue_depth: int | None = None  # None when the broker does not answer
    growing_for: timedelta | None = None  # how long its queue has kept growing, when it does
    deliveries_failing: DatabaseUnreachable | None = None  # its workers cannot reach its database


@dataclass(frozen=True)
class JobStatus:
    job: str  # the scheduler's name for it
    quantum: str
    started_at: datetime | None  # None when it never ran
    finished_at: datetime | None  # None while it runs, or when it died midway
    succeeded: bool | None
    late: bool  # it missed its schedule

    @property
    def outcome(self) -> str:
        if self.started_at is None:
            return "never ran"
        if self.succeeded is None:
            return "running or died"
        return "succeeded" if self.succeeded else "failed"


@dataclass(frozen=True)
class SystemStatus:
    taken_at: datetime  # every age in the report is counted to this moment
    quanta: list[QuantumStatus]
    replica_lag: timedelta | None  # None when the replication never ran
    jobs: list[JobStatus]
    broker_error: str | None = None  # why the broker did not answer
    problems: list[str] = field(default_factory=list)
    # The Payment job's last month, running or finished; None when never run or unreadable.
    payment_run: PaymentRunProgress | None = None


@dataclass(frozen=True)
class _BrokerView:
    error: str | None = None
    consumers: dict[str, int] = field(default_factory=dict)
    depths: dict[str, int] = field(default_factory=dict)
    growing: dict[str, timedelta] = field(default_factory=dict)
    unreachable: dict[str, DatabaseUnreachable] = field(default_factory=dict)


@dataclass(frozen=True)
class _DatabaseView:
    """What one quantum's database says: its own figures, and what it sent to each receiver."""

    error: str | None = None
    dead_letters: int | None = None
    inbox: int | None = None
    unconfirmed_by_receiver: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    job_runs: dict[str, models.Model] = field(default_factory=dict)


def system_status() -> SystemStatus:
    now = timezone.now()
    broker = _broker_view()
    databases = {quantum: _database_view(quantum) for quantum in settings.QUANTA}
    quanta = [_quantum_status(quantum, now, broker, databases) for quantum in settings.QUANTA]
    try:
        synced_at = replica_synced_at(SUPPORT_CONTRACTS)
    except DatabaseError:  # the customer database's own problem is already in its row
        synced_at = None
    replica_lag = now - synced_at if synced_at else None
    jobs = _job_statuses(databases)
    payment_run = _payment_run()
    problems = _problems(now, quanta, replica_lag, jobs, broker_error=broker.error)
    if payment_run and payment_run.chunks_given_up:
        problems.append(
            f"payment run {payment_run.period}: {payment_run.chunks_given_up} chunk(s) given up"
        )
    return SystemStatus(now, quanta, replica_lag, jobs, broker.error, problems, payment_run)


def _payment_run() -> PaymentRunProgress | None:
    try:
        run = payment_run_latest()
        return payment_run_progress(run=run) if run else None
    except DatabaseError:  # billing's database's own problem is already in its row
        return None


def _quantum_status(
    quantum: str, now: datetime, broker: _BrokerView, databases: dict[str, _DatabaseView]
) -> QuantumStatus:
    own = databases[quantum]
    sent_to_it = [
        view.unconfirmed_by_receiver[quantum]
        for view in databases.values()
        if quantum in view.unconfirmed_by_receiver
    ]
    oldest = min((created_at for _, created_at in sent_to_it), default=None)
    answered = broker.error is None
    return QuantumStatus(
        quantum=quantum,
        unconfirmed=sum(count for count, _ in sent_to_it),
        oldest_unconfirmed=now - oldest if oldest else None,
        dead_letters=own.dead_letters,
        inbox=own.inbox,
        database_error=own.error,
        consumers=broker.consumers.get(quantum, 0) if answered else None,
        queue_depth=broker.depths.get(quantum) if answered else None,
        growing_for=broker.growing.get(quantum),
        deliveries_failing=broker.unreachable.get(quantum),
    )


def _database_view(quantum: str) -> _DatabaseView:
    try:
        # One transaction: a failed read leaves no broken transaction behind for the next one.
        with transaction.atomic(using=quantum):
            unconfirmed = (
                OutboxMessage.objects.using(quantum)
                .filter(confirmed_at__isnull=True)
                .values("receiver")
                .annotate(count=Count("id"), oldest=Min("created_at"))
                .order_by()
            )
            return _DatabaseView(
                dead_letters=DeadLetter.objects.using(quantum).count(),
                inbox=InboxMessage.objects.using(quantum).count(),
                unconfirmed_by_receiver={
                    row["receiver"]: (row["count"], row["oldest"]) for row in unconfirmed
                },
                job_runs={run.job: run for run in JobRun.objects.using(quantum)},
            )
    except DatabaseError as error:
        return _DatabaseView(error=describe_error(error))


def _job_statuses(databases: dict[str, _DatabaseView]) -> list[JobStatus]:
    """Each entry of the scheduler's table, with the last run its quantum recorded."""
    statuses = []
    for job, entry in sorted(settings.CELERY_BEAT_SCHEDULE.items()):
        quantum = entry["options"]["queue"]
        run = databases[quantum].job_runs.get(entry["task"])
        statuses.append(
            JobStatus(
                job=job,
                quantum=quantum,
                started_at=run and run.started_at,
                finished_at=run and run.finished_at,
                succeeded=run and run.succeeded,
                late=bool(run) and _missed(maybe_schedule(entry["schedule"]), run.started_at),
            )
        )
    return statuses


def _missed(timetable: BaseSchedule, last_started: datetime) -> bool:
    """Two runs missed, and at least a minute, for jobs on an interval; an hour for calendar jobs."""
    grace = (
        max(2 * timetable.run_every, timedelta(minutes=1))
        if isinstance(timetable, schedule)
        else timedelta(hours=1)
    )
    return timetable.remaining_estimate(last_started) < -grace


def _broker_view() -> _BrokerView:
    """Each queue's depth and trend, the workers consuming it, and the workers' notes."""
    try:
        with current_app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=0)
            depths = {quantum: _depth(connection, quantum) for quantum in settings.QUANTA}
            return _BrokerView(
                consumers=queue_consumers(timeout=WORKERS_ANSWER_SECONDS, connection=connection),
                depths=depths,
                growing=_growing(connection, depths),
                unreachable=databases_unreachable(connection, settings.QUANTA),
            )
    except Exception as error:  # every transport raises its own kind
        return _BrokerView(error=describe_error(error))


def _depth(connection: Connection, queue: str) -> int:
    # Not a passive declaration: under a key prefix kombu's Redis transport looks for the queue
    # without the prefix and never finds it. Declaring one stores nothing on Redis, where a queue
    # is just its list of messages, and counts the messages the same way.
    return connection.default_channel.queue_declare(queue).message_count


def _growing(connection: Connection, depths: dict[str, int]) -> dict[str, timedelta]:
    with broker_redis(connection) as broker:
        if broker is None:
            return {}
        client, prefix = broker
        now = time.time()
        growing = {}
        for quantum, depth in depths.items():
            samples = depths_seen(client, prefix, quantum, depth, at=now)
            if (seconds := growing_for(samples)) is not None:
                growing[quantum] = timedelta(seconds=seconds)
        return growing


def _problems(
    now: datetime,
    quanta: list[QuantumStatus],
    replica_lag: timedelta | None,
    jobs: list[JobStatus],
    *,
    broker_error: str | None,
) -> list[str]:
    max_age = timedelta(seconds=settings.QUANTA_STATUS_MAX_UNCONFIRMED_SECONDS)
    max_lag = timedelta(seconds=3 * settings.SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS)
    problems = [f"the broker does not answer: {broker_error}"] if broker_error else []
    for status in quanta:
        problems.extend(_quantum_problems(status, max_age))
    # The replica lives in the customer database: unreadable, that is the problem already named.
    replica_readable = not any(s.database_error for s in quanta if s.quantum == "customer")
    if replica_readable and replica_lag is None:
        problems.append("support-contract replica: never synced")
    elif replica_lag and replica_lag > max_lag:
        problems.append(f"support-contract replica: last synced {human_duration(replica_lag)} ago")
    for job in jobs:
        if job.late:
            problems.append(f"{job.job}: last started {human_duration(now - job.started_at)} ago")
        if job.succeeded is False:
            problems.append(f"{job.job}: its last run failed")
    return problems


def _quantum_problems(status: QuantumStatus, max_age: timedelta) -> list[str]:
    name = status.quantum
    problems = []
    if status.consumers == 0:
        problems.append(f"{name}: no worker consumes its queue")
    if status.deliveries_failing:
        problems.append(
            f"{name}: deliveries failing, its database cannot be reached: "
            f"{status.deliveries_failing.error}"
        )
    if status.database_error:
        problems.append(f"{name}: its database cannot be read: {status.database_error}")
    if status.oldest_unconfirmed and status.oldest_unconfirmed > max_age:
        problems.append(
            f"{name}: a message sent to it unconfirmed for {human_duration(status.oldest_unconfirmed)}"
        )
    if status.growing_for:
        problems.append(
            f"{name}: its queue has kept growing for {human_duration(status.growing_for)}, "
            f"{status.queue_depth} waiting"
        )
    if status.queue_depth and status.queue_depth > settings.QUANTA_STATUS_MAX_QUEUE_DEPTH:
        problems.append(f"{name}: {status.queue_depth} messages waiting in its queue")
    if status.dead_letters:
        problems.append(f"{name}: {status.dead_letters} dead letter(s)")
    return problems
