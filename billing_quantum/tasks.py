"""Billing's periodic job for the scheduler: a thin call into the Payment job."""

import logging

from celery import shared_task
from django.utils import timezone

from billing_quantum.apps import DATABASE
from billing_quantum.jobs import payment_job_run, previous_period
from messaging.job_runs import job_run_recorded

logger = logging.getLogger(__name__)


@shared_task(name="billing.run_payment_job", bind=True)
def run_payment_job(task) -> None:
    # A month of accounts may outlast Redis's visibility timeout, which then delivers this task
    # again while it runs: harmless, the second run finds the payments opened and settles each once.
    with job_run_recorded(DATABASE, task.name):
        period = previous_period(timezone.localdate())
        logger.info("Payment job: %s", payment_job_run(period=period))
