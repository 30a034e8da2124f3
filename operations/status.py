"""How the pipes between the quanta are doing, for operators and health checks.

Per quantum: messages its receivers have not confirmed yet (and the oldest one's age), dead
letters, inbox size and the depth of its queue in the broker; the support-contract replica's lag;
and the last run of each periodic job. Each figure past its threshold is a problem, so the report
doubles as a health check.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from celery.schedules import BaseSchedule, maybe_schedule, schedule
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from customer_quantum.selectors import replica_synced_at
from customer_quantum.services.support_contracts import WATERMARK as SUPPORT_CONTRACTS
from messaging.endpoint import endpoint_for


@dataclass(frozen=True)
class QuantumStatus:
    quantum: str
    unconfirmed: int
    oldest_unconfirmed: timedelta | None
    dead_letters: int
    inbox: int
    queue_depth: int | None  # None when the broker does not answer


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
    quanta: list[QuantumStatus]
    replica_lag: timedelta | None  # None when the replication never ran
    jobs: list[JobStatus]
    problems: list[str] = field(default_factory=list)


def system_status() -> SystemStatus:
    now = timezone.now()
    depths = _queue_depths()
    quanta = [_quantum_status(quantum, now, depths.get(quantum)) for quantum in settings.QUANTA]
    synced_at = replica_synced_at(SUPPORT_CONTRACTS)
    replica_lag = now - synced_at if synced_at else None
    jobs = _job_statuses()
    return SystemStatus(
        quanta,
        replica_lag,
        jobs,
        _problems(quanta, replica_lag, jobs, broker_answers=bool(depths)),
    )


def _quantum_status(quantum: str, now: datetime, queue_depth: int | None) -> QuantumStatus:
    endpoint = endpoint_for(quantum)
    unconfirmed = endpoint.outbox.objects.using(quantum).filter(confirmed_at__isnull=True)
    pending = unconfirmed.aggregate(oldest=Min("created_at"))["oldest"]
    return QuantumStatus(
        quantum=quantum,
        unconfirmed=unconfirmed.count(),
        oldest_unconfirmed=now - pending if pending else None,
        dead_letters=endpoint.dead_letters.objects.using(quantum).count(),
        inbox=endpoint.inbox.objects.using(quantum).count(),
        queue_depth=queue_depth,
    )


def _job_statuses() -> list[JobStatus]:
    """Each entry of the scheduler's table, with the last run its quantum recorded."""
    runs = {
        (quantum, run.job): run
        for quantum in settings.QUANTA
        for run in endpoint_for(quantum).job_runs.objects.using(quantum)
    }
    statuses = []
    for job, entry in sorted(settings.CELERY_BEAT_SCHEDULE.items()):
        quantum = entry["options"]["queue"]
        run = runs.get((quantum, entry["task"]))
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


def _queue_depths() -> dict[str, int]:
    """Messages waiting on each quantum's queue; empty when the broker does not answer."""
    try:
        with current_app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=0)
            return {quantum: _depth(connection, quantum) for quantum in settings.QUANTA}
    except Exception:  # every transport raises its own kind; the report says the broker is away
        return {}


def _depth(connection, queue: str) -> int:
    try:
        return connection.default_channel.queue_declare(queue, passive=True).message_count
    except connection.channel_errors:  # never declared: nobody listened, nothing was sent to it
        return 0


def _problems(
    quanta: list[QuantumStatus],
    replica_lag: timedelta | None,
    jobs: list[JobStatus],
    *,
    broker_answers: bool,
) -> list[str]:
    max_age = timedelta(seconds=settings.QUANTA_STATUS_MAX_UNCONFIRMED_SECONDS)
    max_lag = timedelta(seconds=3 * settings.SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS)
    problems = [] if broker_answers else ["the broker does not answer"]
    for status in quanta:
        if status.oldest_unconfirmed and status.oldest_unconfirmed > max_age:
            problems.append(
                f"{status.quantum}: a message unconfirmed for {duration_text(status.oldest_unconfirmed)}"
            )
        if status.dead_letters:
            problems.append(f"{status.quantum}: {status.dead_letters} dead letter(s)")
        if status.queue_depth and status.queue_depth > settings.QUANTA_STATUS_MAX_QUEUE_DEPTH:
            problems.append(f"{status.quantum}: {status.queue_depth} messages waiting in its queue")
    if replica_lag is None:
        problems.append("support-contract replica: never synced")
    elif replica_lag > max_lag:
        problems.append(f"support-contract replica: last synced {duration_text(replica_lag)} ago")
    now = timezone.now()
    for job in jobs:
        if job.late:
            problems.append(f"{job.job}: last started {duration_text(now - job.started_at)} ago")
        if job.succeeded is False:
            problems.append(f"{job.job}: its last run failed")
    return problems


def duration_text(span: timedelta) -> str:
    """A short human duration: 4m05s, 2h10m."""
    seconds = int(span.total_seconds())
    return (
        f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
        if seconds >= 3600
        else f"{seconds // 60}m{seconds % 60:02d}s"
    )
