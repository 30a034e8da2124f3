"""Billing's tasks: the monthly plan of the Payment job for the scheduler, its chunks for billing's
workers, and the retries of payment alerts asked for in the admin; each a thin call into a job or
service."""

import logging

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from billing_quantum.apps import DATABASE
from billing_quantum.jobs import CHUNK_TASK, payment_chunk_bill, payment_run_plan, previous_period
from billing_quantum.payment_provider import payment_provider
from billing_quantum.services import RETRY_TASK, payment_alert_retry_run
from messaging.job_runs import job_run_recorded
from messaging.receiver import retry_delay

logger = logging.getLogger(__name__)


@shared_task(name="billing.run_payment_job", bind=True)
def run_payment_job(task) -> None:
    with job_run_recorded(DATABASE, task.name):
        logger.info(
            "Payment job: %s", payment_run_plan(period=previous_period(timezone.localdate()))
        )


# Acknowledged once the chunk is billed, and put back if its worker dies: the chunk's next
# delivery asks the provider again under the same keys. max_retries=None: the chunk counts its own
# deliveries and gives up after PAYMENT_JOB_CHUNK_MAX_DELIVERIES.
@shared_task(
    name=CHUNK_TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def bill_payment_chunk(task, chunk_id: int) -> None:
    try:
        payment_chunk_bill(chunk_id=chunk_id, provider=payment_provider())
    except DatabaseError:
        logger.warning("Payment chunk %s stopped on a database error; tried again", chunk_id)
        raise task.retry(countdown=retry_delay(task.request.retries + 1)) from None


@shared_task(name=RETRY_TASK)
def retry_payment_alert(alert_id: int) -> None:
    logger.info(
        "Payment alert %s retried: %s",
        alert_id,
        payment_alert_retry_run(alert_id=alert_id, provider=payment_provider()),
    )
