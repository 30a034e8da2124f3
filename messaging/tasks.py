"""The Celery tasks every quantum's worker runs; each is a thin call into its endpoint."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from messaging.endpoint import RetryLater, endpoint_for, retry_delay
from messaging.job_runs import job_run_recorded

logger = logging.getLogger(__name__)


# max_retries=None here, not on retry(): there it means "the task's default", three.
@shared_task(
    name="messaging.deliver",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def deliver(task, receiver: str, envelope: dict) -> None:
    try:
        endpoint_for(receiver).receive(envelope)
    except RetryLater as later:
        # The budget is counted in the receiver's inbox, so Celery itself never gives up.
        raise task.retry(countdown=later.delay) from None
    except DatabaseError:
        # The receiver's own database is away, so not even the delivery could be counted: try
        # again later rather than let the broker drop the message (handler errors never get here).
        raise task.retry(countdown=retry_delay(task.request.retries + 1)) from None


@shared_task(name="messaging.sweep_outbox", bind=True)
def sweep_outbox(task, quantum: str) -> int:
    """The quantum's periodic round: tells senders what it settled, hands over what is due."""
    with job_run_recorded(quantum, task.name):
        endpoint = endpoint_for(quantum)
        confirmations = endpoint.confirm_settled()
        handed_over = endpoint.sweep()
    if confirmations or handed_over:
        logger.info(
            "Outbox of %s: %d handed to the broker, %d confirmations sent",
            quantum,
            handed_over,
            confirmations,
        )
    return handed_over


@shared_task(name="messaging.confirm")
def confirm(sender: str, message_ids: list[str]) -> int:
    return endpoint_for(sender).confirm(message_ids)


@shared_task(name="messaging.prune", bind=True)
def prune(task, quantum: str) -> tuple[int, int]:
    with job_run_recorded(quantum, task.name):
        return endpoint_for(quantum).prune(
            older_than=timedelta(days=settings.MESSAGING_RETENTION_DAYS)
        )
