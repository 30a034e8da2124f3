import pytest
from django.db import models, transaction
from django.utils import timezone

from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.tickets import TicketCreated
from messaging.endpoint import Endpoint
from ticketing.models import DeadLetter as TicketingDeadLetter


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


@pytest.fixture
def dead_letter(ticket_created, envelope_of):
    """Buries a TicketCreated (or the envelope given) among a quantum's dead letters, ticketing's
    unless told otherwise, as a handler that kept failing would have."""

    def bury(envelope=None, *, letters=TicketingDeadLetter) -> models.Model:
        envelope = envelope or envelope_of(ticket_created())
        return letters.objects.create(
            message_id=envelope.get("id"),
            type="TicketCreated",
            sender="customer",
            envelope=envelope,
            error="InjectedFault: the expert directory is unreachable",
            deliveries=5,
            dead_since=timezone.now(),
        )

    return bury
