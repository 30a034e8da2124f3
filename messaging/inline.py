"""A sender that has the receiving quantum apply each message inside the sender's request and
transaction, so the sender fails, or waits, whenever the receiver does: the monolith the message
bus replaces. The product's processes never send this way. Two tools install it on purpose: the
benchmark's app, as its monolith baseline (BENCH_DELIVERY=inline), and the demo's history, which
plays a year of steps in one process, each needing the last one's messages applied."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models

from messaging.endpoint import Endpoint, endpoint_for, endpoints
from messaging.flow import flow
from messaging.sender import Sender


class InlineSender(Sender):
    def _delivery_state(self, now) -> dict[str, Any]:
        # Applied before the sender's transaction commits: confirmed as it is stored, never swept.
        return {"confirmed_at": now}

    def _deliver(self, rows: list[models.Model]) -> None:
        for row in rows:
            envelope = self.envelope(row)
            with flow(envelope.correlation_id, message_id=envelope.id):
                # Surely its first delivery: it commits or rolls back with the sender's transaction.
                endpoint_for(row.receiver).receiver.receive_parsed(
                    envelope.model_dump(mode="json"), envelope, first_delivery=True
                )


def inline_sender_install(endpoint: Endpoint) -> None:
    endpoint.sender = InlineSender(quantum=endpoint.quantum)


@contextmanager
def inline_delivery() -> Iterator[None]:
    """Every quantum sends inline while the block runs, and as before afterwards."""
    senders = {endpoint: endpoint.sender for endpoint in endpoints()}
    for endpoint in senders:
        inline_sender_install(endpoint)
    try:
        yield
    finally:
        for endpoint, sender in senders.items():
            endpoint.sender = sender
