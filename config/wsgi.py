"""WSGI entry point for the web process."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.celery import app as celery_app

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What a web process's first requests would otherwise load, loaded before it serves one: every
# URL module with its views, and the broker's transport (no connection opens: that stays lazy).
# Measured, the first request of a fresh process cost 165 ms of CPU and its first ticket 88 ms;
# after this, 15 and 36.
get_resolver().url_patterns  # noqa: B018 - the property imports the URL modules
# A `transport+url` broker URL (the embedded `redis+socket://`) loads its transport only when asked.
celery_app.connection_for_write().get_transport_cls()

# All of that lives as long as the process: frozen out of the collector's sight, a full collection
# looks only at what requests made since. It scanned the 130,000 objects loaded here for about
# 22 ms each time, and takes under 0.01 ms frozen (`python -m bench.portal.full_collection`).
# Forked from here (`--preload`), the workers also keep sharing those pages with the server, which
# a collection's writes to every object would copy (Python's `gc.freeze` docs).
gc.freeze()
