"""Ticketing's periodic jobs as the scheduler runs them; each is a thin call into a job."""

import logging

from celery import shared_task

from messaging.job_runs import job_run_recorded
from ticketing.apps import DATABASE
from ticketing.jobs import tickets_assign

logger = logging.getLogger(__name__)


@shared_task(name="ticketing.assign_tickets", bind=True)
def assign_tickets(task) -> None:
    with job_run_recorded(DATABASE, task.name):
        run = tickets_assign()
    if run.assigned or run.alerts_raised:
        logger.info("Assignment: %s", run)
