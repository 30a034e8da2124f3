"""The monolith the message bus replaces, as the benchmark's baseline: a sender that has the
receiving quantum apply each message inside the sender's request and transaction, so the sender
fails, or waits, whenever the receiver does. Installed by the benchmark's app when
BENCH_DELIVERY=inline; the product never sends this way."""

from typing import Any

from django.db import models

from messaging.endpoint import Endpoint, endpoint_for
from messaging.flow import flow
from messaging.sender import Sender

DELIVERY_VARIABLE = "BENCH_DELIVERY"
INLINE = "inline"


class InlineSender(Sender):
    def _delivery_state(self, now) -> dict[str, Any]:
        # Applied before the sender's transaction commits: confirmed as it is stored, never swept.
        return {"confirmed_at": now}

    def _deliver(self, row: models.Model) -> None:
        envelope = self.envelope(row)
        with flow(envelope.correlation_id, message_id=envelope.id):
            endpoint_for(row.receiver).receiver.receive_parsed(
                envelope.model_dump(mode="json"), envelope
            )


def inline_sender_install(endpoint: Endpoint) -> None:
    endpoint.sender = InlineSender(app_label=endpoint.app_label, quantum=endpoint.quantum)
