"""Ticketing's periodic jobs as the scheduler runs them; each is a thin call into a job."""

import logging

from celery import shared_task

from ticketing.jobs import tickets_assign

logger = logging.getLogger(__name__)


@shared_task(name="ticketing.assign_tickets")
def assign_tickets() -> None:
    logger.info("Assignment: %s", tickets_assign())
