"""The Celery app shared by every worker and the scheduler; its settings live in config.settings."""

import os

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sysops_squad")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def database_connections_kept_as_between_requests(task, **_) -> None:
    """A task boundary is a request boundary: Django's rule decides whether each connection is
    kept (CONN_MAX_AGE, CONN_HEALTH_CHECKS) or closed (too old, broken, left mid-transaction).
    Celery's own rule closed every connection around every task, so with a persistent-connection
    setting each message still paid a new PostgreSQL session (CELERY_DB_REUSE_MAX lifts it)."""
    if getattr(task.request, "is_eager", False):
        return  # run inside a caller (a test's transaction): its connections are not ours
    close_old_connections()
