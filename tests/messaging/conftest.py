import pytest
from django.db import transaction

from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.tickets import TicketCreated
from messaging.endpoint import Endpoint


@pytest.fixture
def envelope_of():
    """Publishes a message from the customer quantum and returns the envelope a worker would get."""

    def publish(message) -> dict:
        with transaction.atomic(using="customer"):
            message_id = customer_endpoint.publish(message)
        outbox = customer_endpoint.outbox.objects.get(pk=message_id)
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
def ticketing_with(settings):
    """Ticketing's endpoint with another TicketCreated handler, to make it fail on purpose."""
    settings.MESSAGING_RETRY_BASE_SECONDS = 1
    settings.MESSAGING_RETRY_MAX_SECONDS = 8

    def endpoint(handler) -> Endpoint:
        return Endpoint(app_label="ticketing", handlers={TicketCreated: handler})

    return endpoint
