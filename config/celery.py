"""The Celery app shared by every worker and the scheduler; its settings live in config.settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sysops_squad")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
