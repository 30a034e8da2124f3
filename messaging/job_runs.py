"""The last run of each periodic job, recorded in the database of the quantum it works in.

The scheduler runs elsewhere and keeps nothing an operator can query, so each run says when it
started and how it ended; quanta_status compares that with the schedule to name a job that stopped.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from messaging.errors import describe_error
from messaging.models import JobRun


@contextmanager
def job_run_recorded(quantum: str, job: str) -> Iterator[None]:
    """Records the run's start before it works, so a run killed midway shows as never finished."""
    runs = JobRun.objects.using(quantum)
    # One statement (an upsert), not update_or_create's transaction, lock, read and write: a sweep
    # runs every 2 s in every quantum, and this was half its cost (issue 18).
    runs.bulk_create(
        [JobRun(job=job, started_at=timezone.now(), finished_at=None, succeeded=None, error="")],
        update_conflicts=True,
        unique_fields=["job"],
        update_fields=["started_at", "finished_at", "succeeded", "error"],
    )
    try:
        yield
    except Exception as error:
        runs.filter(job=job).update(
            finished_at=timezone.now(), succeeded=False, error=describe_error(error)
        )
        raise
    runs.filter(job=job).update(finished_at=timezone.now(), succeeded=True)
