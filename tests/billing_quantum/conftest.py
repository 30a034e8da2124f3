import uuid

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.cards import CardRegistered
from tests.billing_quantum.traces import envelope_of, seal


@pytest.fixture
def card():
    """Card data as the customer quantum seals it: a valid card that has not expired."""
    return {
        "number": "4242424242424242",
        "expiry_month": 12,
        "expiry_year": timezone.now().year + 3,
        "cvc": "319",
        "holder_name": "Alice Martin",
    }


@pytest.fixture
def card_registered(card):
    """A CardRegistered carrying `card` (with any changes) sealed with billing's public key."""

    def build(*, sealed_card: str | None = None, key_id: str | None = None, **changes):
        return CardRegistered(
            card_id=uuid.uuid4(),
            customer_id=7,
            key_id=key_id or settings.CARD_SEALING_KEY_ID,
            sealed_card=sealed_card or seal(card | changes),
            registered_at=timezone.now(),
        )

    return build


@pytest.fixture
def from_customer():
    """Publishes a message from the customer quantum; returns the envelope billing's worker gets."""

    def publish(message) -> dict:
        with transaction.atomic(using="customer"):
            message_id = customer_endpoint.publish(message)
        return envelope_of(customer_endpoint.outbox.objects.get(pk=message_id), sender="customer")

    return publish
