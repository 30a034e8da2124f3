"""The pipes between the quanta at a glance; exits non-zero while something is past its threshold."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing_quantum.selectors import PaymentRunProgress
from config.durations import human_duration
from operations.status import QuantumStatus, system_status

COLUMNS = "{:<14} {:>9} {:>11} {:>11} {:>18} {:>12} {:>8}"
JOB_COLUMNS = "{:<30} {:<14} {:>14} {:<16}"


def _unknown_if_none(value: int | None) -> str | int:
    return "?" if value is None else value


def _row(quantum: QuantumStatus) -> str:
    return COLUMNS.format(
        quantum.quantum,
        _unknown_if_none(quantum.consumers),
        _unknown_if_none(quantum.queue_depth),
        quantum.unconfirmed,
        human_duration(quantum.oldest_unconfirmed) if quantum.oldest_unconfirmed else "-",
        _unknown_if_none(quantum.dead_letters),
        _unknown_if_none(quantum.inbox),
    )


def _payment_run_line(run: PaymentRunProgress, *, now: datetime) -> str:
    said = (
        f"payment run {run.period}: {run.done} of {run.accounts} accounts done, "
        f"{run.chunks_finished} of {run.chunks} chunks"
    )
    if run.finished_at:
        return f"{said}, finished {timezone.localtime(run.finished_at):%Y-%m-%d %H:%M:%S}"
    if end := run.expected_end(now=now):
        return f"{said}, expected end {timezone.localtime(end):%Y-%m-%d %H:%M:%S} (in {human_duration(end - now)})"
    return f"{said}, no chunk started yet"


class Command(BaseCommand):
    help = (
        "Per quantum: workers consuming its queue, queue depth, messages sent to it not yet "
        "confirmed and the oldest one's age, dead letters, inbox size; the support-contract "
        "replica's lag; the last run of each periodic job. Exits non-zero, naming each problem, "
        "while one lasts: usable as a health check."
    )

    def handle(self, *args, **options) -> None:
        status = system_status()
        self.stdout.write(
            COLUMNS.format(
                "quantum",
                "consumers",
                "queue depth",
                "unconfirmed",
                "oldest unconfirmed",
                "dead letters",
                "inbox",
            )
        )
        for quantum in status.quanta:
            self.stdout.write(_row(quantum))
        self.stdout.write(
            f"support-contract replica: last synced {human_duration(status.replica_lag)} ago"
            if status.replica_lag
            else "support-contract replica: never synced"
        )
        self.stdout.write(JOB_COLUMNS.format("periodic job", "quantum", "last started", "outcome"))
        for job in status.jobs:
            started = (
                f"{human_duration(status.taken_at - job.started_at)} ago" if job.started_at else "-"
            )
            late = ", late" if job.late else ""
            self.stdout.write(
                JOB_COLUMNS.format(job.job, job.quantum, started, f"{job.outcome}{late}")
            )
        if run := status.payment_run:
            self.stdout.write(_payment_run_line(run, now=status.taken_at))
        if status.problems:
            raise CommandError("; ".join(status.problems))
        self.stdout.write(self.style.SUCCESS("all within thresholds"))
