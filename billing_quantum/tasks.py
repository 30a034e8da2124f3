"""Billing's periodic job for the scheduler: a thin call into the Payment job."""

import logging

from celery import shared_task
from django.utils import timezone

from billing_quantum.jobs import payment_job_run, previous_period

logger = logging.getLogger(__name__)


@shared_task(name="billing.run_payment_job")
def run_payment_job() -> None:
    # A month of accounts may outlast Redis's visibility timeout, which then delivers this task
    # again while it runs: harmless, the second run finds the payments opened and settles each once.
    logger.info("Payment job: %s", payment_job_run(period=previous_period(timezone.localdate())))
