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
    runs.update_or_create(
        job=job,
        defaults={
            "started_at": timezone.now(),
            "finished_at": None,
            "succeeded": None,
            "error": "",
        },
    )
    try:
        yield
    except Exception as error:
        runs.filter(job=job).update(
            finished_at=timezone.now(), succeeded=False, error=describe_error(error)
        )
        raise
    runs.filter(job=job).update(finished_at=timezone.now(), succeeded=True)
