"""Billing's tasks: the periodic Payment job for the scheduler, and the retries of payment alerts
asked for in the admin; each a thin call into a job or service."""

import logging

from celery import shared_task
from django.utils import timezone

from billing_quantum.apps import DATABASE
from billing_quantum.jobs import payment_job_run, previous_period
from billing_quantum.payment_provider import payment_provider
from billing_quantum.services import RETRY_TASK, payment_alert_retry_run
from messaging.job_runs import job_run_recorded

logger = logging.getLogger(__name__)


@shared_task(name="billing.run_payment_job", bind=True)
def run_payment_job(task) -> None:
    # A month of accounts may outlast Redis's visibility timeout, which then delivers this task
    # again while it runs: harmless, the second run finds the payments opened and settles each once.
    with job_run_recorded(DATABASE, task.name):
        period = previous_period(timezone.localdate())
        logger.info("Payment job: %s", payment_job_run(period=period))


@shared_task(name=RETRY_TASK)
def retry_payment_alert(alert_id: int) -> None:
    logger.info(
        "Payment alert %s retried: %s",
        alert_id,
        payment_alert_retry_run(alert_id=alert_id, provider=payment_provider()),
    )
