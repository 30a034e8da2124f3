"""The benchmark's reference task: what a Celery worker spends on a task that does nothing."""

from celery import shared_task

NOOP = "bench.noop"


@shared_task(name=NOOP)
def noop() -> None:
    """Nothing: the broker's and the pool's cost of a task, and no more."""
