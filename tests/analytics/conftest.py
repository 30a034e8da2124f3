import uuid
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from analytics.endpoint import endpoint
from messaging.contract import Message


@pytest.fixture
def receive():
    """Hands a message to analytics as a worker would, in an envelope of its own each time; the
    same envelope twice is a duplicate delivery."""

    def deliver(message: Message, *, sender: str, envelope_id: uuid.UUID | None = None):
        return endpoint.receive(
            {
                "id": str(envelope_id or uuid.uuid4()),
                "type": message.TYPE,
                "version": message.VERSION,
                "occurred_at": timezone.now().isoformat(),
                "correlation_id": str(uuid.uuid4()),
                "sender": sender,
                "payload": message.model_dump(mode="json"),
            }
        )

    return deliver


def at(text: str) -> datetime:
    """A moment in UTC, written `2026-06-10 03:00`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
