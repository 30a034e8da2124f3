"""The project's settings, with what a test run must not share with a running system."""

import os

from billing_quantum.card_keys import BILLING_ENV_FILE, PUBLIC_ENV_FILE, card_keys_embedded
from config.settings import *  # noqa: F403
from config.settings import (
    CARD_KEYS_FOLDER,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    CELERY_BROKER_URL,
    DATABASES,
    VAR_DIR,
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

# The embedded broker of a `make run` in the same checkout must not receive the tests' messages.
if CELERY_BROKER_URL.startswith("filesystem://"):
    TEST_BROKER_FOLDER = str(VAR_DIR / "test-broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": TEST_BROKER_FOLDER,
        "data_folder_out": TEST_BROKER_FOLDER,
        "control_folder": TEST_BROKER_FOLDER,
    }

# Hashing is not under test; the slow default hasher would dominate the run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Test databases on a server are named for this run, so two runs on one server (two developers, or
# CI beside a developer) never drop each other's; the processes a test starts are told these names.
for database in DATABASES.values():
    if database["ENGINE"] != "django.db.backends.sqlite3":
        database["TEST"] = {"NAME": f"test_{database['NAME']}_{os.getpid()}"}
