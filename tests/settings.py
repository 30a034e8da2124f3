"""The project's settings, with what a test run must not share with a running system."""

import os
import secrets

# The run signs with a key of its own, which the processes it starts inherit: it needs no prepared
# var folder (operations/embedded/var_folder.py), and shares no key with a running system.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

from billing_quantum.card_keys import BILLING_ENV_FILE, PUBLIC_ENV_FILE, card_keys_embedded
from config.settings import *  # noqa: F403
from config.settings import (
    CARD_KEYS_FOLDER,
    DATABASES,
    card_keys_read,
)

# The test process plays every process, billing's worker too, so it holds every card key: the
# embedded default's, created here as `make run` creates them before its processes start.
card_keys_embedded(CARD_KEYS_FOLDER)
(
    CARD_SEALING_KEY_ID,
    CARD_SEALING_PUBLIC_KEY,
    CARD_SEALING_PRIVATE_KEYS,
    CARD_STORAGE_KEY_ID,
    CARD_STORAGE_KEYS,
) = card_keys_read([CARD_KEYS_FOLDER / BILLING_ENV_FILE, CARD_KEYS_FOLDER / PUBLIC_ENV_FILE])

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
