import pytest
from django.db import transaction
from django.utils import timezone

from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.notifications import NotificationRequested
from messaging.models import OutboxMessage
from notifications.endpoint import endpoint
from tests.billing_quantum.traces import envelope_of


@pytest.fixture
def notification_requested():
    """A NotificationRequested as a quantum would publish it: by default an invoice by e-mail."""

    def build(**changes) -> NotificationRequested:
        fields = {
            "recipient": {"name": "Alice Martin", "email": "alice@example.com", "phone": ""},
            "channel": "email",
            "notification_type": "invoice_issued",
            "context": {
                "number": "2026-000001",
                "period": "2026-10",
                "issued_on": "2026-11-01",
                "lines": "Support plan premium, 2026-10: 1 x 29.90 = 29.90",
                "total": "29.90",
                "currency": "EUR",
                "status": "paid",
            },
            "reference": "2026-000001",
            "requested_at": timezone.now(),
        }
        return NotificationRequested(**(fields | changes))

    return build


@pytest.fixture
def request_arrives(notification_requested):
    """Another quantum publishes a request, and the notifications worker receives it."""

    def arrive(**changes) -> dict:
        with transaction.atomic(using="customer"):
            message_id = customer_endpoint.publish(notification_requested(**changes))
        envelope = envelope_of(
            OutboxMessage.objects.using("customer").get(pk=message_id), sender="customer"
        )
        endpoint.receive(envelope)
        return envelope

    return arrive


@pytest.fixture
def sms_folder(settings, tmp_path):
    settings.SMS_BACKEND = "notifications.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    return tmp_path / "sms"


class FlakySmsGateway:
    """An SMS gateway that refuses the next `refusals` messages, then accepts them into `accepted`."""

    refusals = 0
    accepted: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> None:
        if FlakySmsGateway.refusals > 0:
            FlakySmsGateway.refusals -= 1
            raise ConnectionError("gateway unreachable")
        FlakySmsGateway.accepted.append((to, text))


@pytest.fixture
def flaky_gateway(settings):
    settings.SMS_BACKEND = "tests.notifications.conftest.FlakySmsGateway"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 3600
    FlakySmsGateway.refusals = 0
    FlakySmsGateway.accepted = []
    return FlakySmsGateway
