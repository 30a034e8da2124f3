"""The project's settings, with what a test run must not share with a running system."""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

# Unless a run names a broker (the integration tests name a real Redis), messages go to kombu's
# in-memory transport: the unit tests need no server, read what was queued inside their own
# process, and never reach the broker of a `make run` in the same checkout.
if "CELERY_BROKER_URL" not in os.environ:
    CELERY_BROKER_URL = "memory://"

# Hashing is not under test; the slow default hasher would dominate the run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Test databases on a server are named for this run, so two runs on one server (two developers, or
# CI beside a developer) never drop each other's; the processes a test starts are told these names.
for database in DATABASES.values():
    if database["ENGINE"] != "django.db.backends.sqlite3":
        database["TEST"] = {"NAME": f"test_{database['NAME']}_{os.getpid()}"}
