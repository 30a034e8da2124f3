"""The periodic jobs the scheduler runs that span several quanta; each is a thin call into a job."""

import logging

from celery import shared_task

from operations.replication import support_contracts_sync

logger = logging.getLogger(__name__)


@shared_task(name="operations.sync_support_contracts")
def sync_support_contracts() -> None:
    logger.info("Support contracts: %s", support_contracts_sync())
