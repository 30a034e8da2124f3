import base64
import json
import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app as celery_app
from message_contracts.tickets import TicketCreated
from tests.customer_quantum.factories import CustomerFactory


@pytest.fixture
def broker_folder():
    """The embedded broker's folder, emptied: messages handed to the broker land here as files."""
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def queued(broker_folder):
    """The bodies of the messages waiting on one queue of the embedded broker."""

    def bodies(queue: str) -> list[str]:
        return [path.read_text() for path in sorted(broker_folder.glob(f"*.{queue}.msg"))]

    return bodies


@pytest.fixture
def worker_runs(broker_folder):
    """Takes the tasks waiting on one queue of the embedded broker and runs each in this process,
    as that queue's worker would; returns their names."""

    # Imports every app's tasks module, as a worker does when it starts.
    celery_app.loader.import_default_modules()

    def run(queue: str) -> list[str]:
        names = []
        for path in sorted(broker_folder.glob(f"*.{queue}.msg")):
            message = json.loads(path.read_text())
            path.unlink()
            args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
            names.append(message["headers"]["task"])
            celery_app.tasks[names[-1]].apply(args=args, kwargs=kwargs, throw=True)
        return names

    return run


@pytest.fixture
def ticket_created():
    """A valid TicketCreated, as the customer quantum would publish it."""

    def build(**changes) -> TicketCreated:
        fields = {
            "ticket_id": uuid.uuid4(),
            "customer_id": 7,
            "customer_name": "Alice Martin",
            "title": "Phone screen cracked",
            "description": "Dropped it.",
            "device_category": "phone",
            "priority": "normal",
            "submitted_at": timezone.now(),
        }
        return TicketCreated(**(fields | changes))

    return build


@pytest.fixture(autouse=True)
def api_throttle_counters_cleared():
    """The API's throttle counters live in the cache, which outlives a test: each test starts at 0."""
    cache.clear()


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def customer_user(customer):
    return get_user_model().objects.get(pk=customer.user_id)


@pytest.fixture
def api(customer_user):
    """An API client signed in as the customer."""
    client = APIClient()
    client.force_authenticate(user=customer_user)
    return client
