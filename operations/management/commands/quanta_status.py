"""The pipes between the quanta at a glance; exits non-zero when something is past its threshold."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from operations.status import duration_text, system_status

COLUMNS = "{:<14} {:>12} {:>18} {:>13} {:>8} {:>12}"
JOB_COLUMNS = "{:<30} {:<14} {:>14} {:<16}"


class Command(BaseCommand):
    help = (
        "Per quantum: unconfirmed messages and the oldest one's age, dead letters, inbox size and "
        "queue depth; the support-contract replica's lag; the last run of each periodic job. "
        "Usable as a health check."
    )

    def handle(self, *args, **options) -> None:
        try:
            status = system_status()
        except DatabaseError as error:
            raise CommandError(
                f"a quantum's database cannot be read ({error}): is it up and migrated?"
            ) from None
        self.stdout.write(
            COLUMNS.format(
                "quantum",
                "unconfirmed",
                "oldest unconfirmed",
                "dead letters",
                "inbox",
                "queue depth",
            )
        )
        for quantum in status.quanta:
            self.stdout.write(
                COLUMNS.format(
                    quantum.quantum,
                    quantum.unconfirmed,
                    duration_text(quantum.oldest_unconfirmed)
                    if quantum.oldest_unconfirmed
                    else "-",
                    quantum.dead_letters,
                    quantum.inbox,
                    "?" if quantum.queue_depth is None else quantum.queue_depth,
                )
            )
        lag = duration_text(status.replica_lag) if status.replica_lag else "never synced"
        self.stdout.write(f"support-contract replica: last synced {lag} ago")
        self.stdout.write(JOB_COLUMNS.format("periodic job", "quantum", "last started", "outcome"))
        now = timezone.now()
        for job in status.jobs:
            started = f"{duration_text(now - job.started_at)} ago" if job.started_at else "-"
            late = ", late" if job.late else ""
            self.stdout.write(
                JOB_COLUMNS.format(job.job, job.quantum, started, f"{job.outcome}{late}")
            )
        if status.problems:
            raise CommandError("; ".join(status.problems))
        self.stdout.write(self.style.SUCCESS("all within thresholds"))
