"""Notifications' periodic sending step as the scheduler runs it: a thin call into a service."""

import logging

from celery import shared_task

from messaging.job_runs import job_run_recorded
from notifications.apps import DATABASE
from notifications.services import notifications_send_due

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_due", bind=True)
def send_due(task) -> None:
    with job_run_recorded(DATABASE, task.name):
        run = notifications_send_due()
    if run.sent or run.retrying or run.failed:
        logger.info("Notifications: %s", run)
