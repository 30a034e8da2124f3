"""The periodic jobs the scheduler runs that span several quanta; each is a thin call into a job."""

import logging

from celery import shared_task

from customer_quantum.apps import DATABASE as CUSTOMER
from messaging.job_runs import job_run_recorded
from operations.replication import support_contracts_sync

logger = logging.getLogger(__name__)


@shared_task(name="operations.sync_support_contracts", bind=True)
def sync_support_contracts(task) -> None:
    # The replica is the customer quantum's: the run is recorded where its rows are written.
    with job_run_recorded(CUSTOMER, task.name):
        summary = support_contracts_sync()
    if summary.new or summary.updated or summary.retired:
        logger.info("Support contracts: %s", summary)
