import base64
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone
from kombu.transport import memory
from rest_framework.test import APIClient

from config.celery import app as celery_app
from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.tickets import TicketCreated
from messaging.models import DeadLetter, OutboxMessage
from tests.customer_quantum.factories import CustomerFactory


class MemoryBroker:
    """The unit tests' broker, kombu's in-memory transport (tests/settings.py): what waits on each
    queue, and a broker that refuses every message from `refuse` until `accept`."""

    def __init__(self) -> None:
        self.refusing = False

    def queued(self, queue: str) -> list[str]:
        """The messages waiting on the queue as the transport holds them (a JSON object each)."""
        waiting = memory.Channel.queues.get(queue)
        return [json.dumps(message) for message in (waiting.queue if waiting else [])]

    def put(self, queue: str, message: str) -> None:
        """A message as `queued` gave it, waiting again: the broker delivers it once more."""
        memory.Channel.queues[queue].put(json.loads(message))

    def empty(self, queue: str) -> None:
        if waiting := memory.Channel.queues.get(queue):
            waiting.queue.clear()

    def queued_anywhere(self) -> list[str]:
        return [message for queue in list(memory.Channel.queues) for message in self.queued(queue)]

    def refuse(self) -> None:
        self.refusing = True

    def accept(self) -> None:
        self.refusing = False


@pytest.fixture(autouse=True)
def broker(monkeypatch) -> MemoryBroker:
    """Every test starts with an empty broker that accepts messages; the transport's queues live as
    long as the test process, so what an earlier test queued is dropped first."""
    for waiting in memory.Channel.queues.values():
        waiting.queue.clear()
    broker = MemoryBroker()
    put = memory.Channel._put

    def put_unless_refusing(channel, queue, message, **kwargs):
        if broker.refusing:
            raise ConnectionRefusedError("the broker refuses every message")
        put(channel, queue, message, **kwargs)

    monkeypatch.setattr(memory.Channel, "_put", put_unless_refusing)
    return broker


@pytest.fixture
def queued(broker):
    """The messages waiting on one queue of the broker."""
    return broker.queued


@pytest.fixture
def worker_runs(broker):
    """Takes the tasks waiting on one queue of the broker and runs each in this process, as that
    queue's worker would; returns their names."""

    # Imports every app's tasks module, as a worker does when it starts.
    celery_app.loader.import_default_modules()

    def run(queue: str) -> list[str]:
        names = []
        for raw in broker.queued(queue):
            message = json.loads(raw)
            args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
            names.append(message["headers"]["task"])
            celery_app.tasks[names[-1]].apply(args=args, kwargs=kwargs, throw=True)
        broker.empty(queue)
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


@pytest.fixture
def envelope_of():
    """Publishes a message from the customer quantum and returns the envelope a worker would get."""

    def publish(message) -> dict:
        with transaction.atomic(using="customer"):
            message_id = customer_endpoint.publish(message)
        outbox = OutboxMessage.objects.using("customer").get(pk=message_id)
        return {
            "id": str(outbox.id),
            "type": outbox.type,
            "version": outbox.version,
            "occurred_at": outbox.created_at.isoformat(),
            "correlation_id": str(outbox.correlation_id),
            "sender": "customer",
            "payload": outbox.payload,
        }

    return publish


@pytest.fixture
def dead_letter(ticket_created, envelope_of):
    """Buries a TicketCreated (or the envelope given) among a quantum's dead letters, ticketing's
    unless told otherwise, as a handler that kept failing would have."""

    def bury(envelope=None, *, quantum: str = "ticketing") -> models.Model:
        envelope = envelope or envelope_of(ticket_created())
        return DeadLetter.objects.using(quantum).create(
            message_id=envelope.get("id"),
            type="TicketCreated",
            sender="customer",
            envelope=envelope,
            error="InjectedFault: the expert directory is unreachable",
            deliveries=5,
            dead_since=timezone.now(),
        )

    return bury
