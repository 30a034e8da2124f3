"""The Celery app shared by every worker and the scheduler; its settings live in config.settings."""

import gc
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


@signals.worker_ready.connect
@signals.worker_process_init.connect
def loaded_code_frozen(**_) -> None:
    """What a worker loaded to start is frozen out of the garbage collector's sight, as the web
    process's is (config/wsgi.py): a full collection then looks only at what messages made. Once
    the worker is ready (threads and solo pools) and in each process a prefork pool starts."""
    gc.freeze()
