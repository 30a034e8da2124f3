"""Every request is stored, then sent by the sending step through Django's e-mail framework or the
SMS backend; a failed send is retried with backoff a bounded number of times, each attempt kept."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from pydantic import ValidationError

from notifications.models import DeliveryAttempt, Notification
from notifications.services import notifications_send_due

pytestmark = pytest.mark.django_db(databases="__all__")

SMS = {
    "recipient": {"name": "Ada Lovelace", "phone": "+1 555 0100"},
    "channel": "sms",
    "notification_type": "assignment_offered",
    "context": {
        "title": "Laptop does not boot",
        "device_category": "computer",
        "priority": "urgent",
        "customer_name": "Alice Martin",
        "customer_region": "Springfield",
        "expected_arrival": "2026-11-25 18:00 UTC",
    },
    "reference": "5b0c1a9e-2f7a-4c56-9f0e-8f1c5b1d7e01",
}


def time_passes(delay: timedelta) -> None:
    """As if the clock had moved on by `delay`: what waits for a retry comes that much closer."""
    Notification.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=F("next_attempt_at") - delay
    )


def test_a_request_is_stored_then_e_mailed(request_arrives, mailoutbox):
    request_arrives()

    notification = Notification.objects.get()
    assert (notification.status, notification.reference) == ("pending", "2026-000001")
    assert mailoutbox == []

    run = notifications_send_due()

    assert (run.sent, run.retrying, run.failed) == (1, 0, 0)
    [mail] = mailoutbox
    assert mail.to == ["Alice Martin <alice@example.com>"]
    assert mail.subject == "Your invoice 2026-000001 for 2026-10"
    assert "Dear Alice Martin" in mail.body
    assert "Support plan premium, 2026-10: 1 x 29.90 = 29.90" in mail.body
    assert "Total: 29.90 EUR (paid)" in mail.body
    notification.refresh_from_db()
    assert notification.status == "sent" and notification.sent_at is not None
    assert [a.succeeded for a in notification.delivery_attempts.all()] == [True]


def test_a_sent_notification_is_not_sent_again(request_arrives, mailoutbox):
    request_arrives()
    notifications_send_due()
    notifications_send_due()

    assert len(mailoutbox) == 1


def test_the_file_sms_backend_writes_each_message(request_arrives, sms_folder, mailoutbox):
    request_arrives(**SMS)

    notifications_send_due()

    [sms] = list(sms_folder.iterdir())
    text = sms.read_text()
    assert text.startswith("To: +1 555 0100\n")
    assert 'new urgent ticket for you: "Laptop does not boot"' in text
    assert "Alice Martin, Springfield" in text
    assert mailoutbox == []


def test_a_failed_send_is_retried_with_backoff_then_succeeds(request_arrives, flaky_gateway):
    flaky_gateway.refusals = 2
    request_arrives(**SMS)
    notification = Notification.objects.get()

    first = timezone.now()
    assert notifications_send_due().retrying == 1
    notification.refresh_from_db()
    assert notification.status == "pending" and notification.attempts == 1
    assert notification.next_attempt_at - first >= timedelta(seconds=10)
    assert notifications_send_due().retrying == 0  # not due yet: nothing is attempted

    time_passes(timedelta(seconds=10))
    second = timezone.now()
    notifications_send_due()
    notification.refresh_from_db()
    assert notification.next_attempt_at - second >= timedelta(seconds=20)  # doubled

    time_passes(timedelta(seconds=20))
    assert notifications_send_due().sent == 1

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 3)
    attempts = list(notification.delivery_attempts.all())
    assert [a.succeeded for a in attempts] == [False, False, True]
    assert attempts[0].error == "ConnectionError: gateway unreachable"
    assert len(flaky_gateway.accepted) == 1


def test_a_send_that_keeps_failing_stops_after_the_attempts_allowed(request_arrives, flaky_gateway):
    flaky_gateway.refusals = 100
    request_arrives(**SMS)

    for _ in range(5):
        notifications_send_due()
        time_passes(timedelta(days=1))

    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("failed", 3)
    assert notification.next_attempt_at is None
    assert DeliveryAttempt.objects.filter(succeeded=False).count() == 3
    assert flaky_gateway.accepted == []


def test_a_request_without_the_address_its_channel_needs_is_refused(notification_requested):
    with pytest.raises(ValidationError, match="needs the recipient's phone number"):
        notification_requested(channel="sms")


def test_a_card_number_never_rides_in_a_notification(notification_requested):
    requested = notification_requested(
        context={"title": "Charged twice on 4242 4242 4242 4242", "order": "2026-000123"}
    )

    assert requested.context == {"title": "Charged twice on •••• 4242", "order": "2026-000123"}


EXPERT_ASSIGNED = {
    "notification_type": "expert_assigned",
    "context": {
        "title": "Laptop does not boot",
        "expert_name": "Ada Lovelace",
        "expected_arrival": "2026-11-25 17:00 UTC",
    },
    "reference": "00bf480c-679f-462d-b49d-f062fe71a570",
}


def test_the_customer_learns_who_is_coming_by_e_mail_or_sms(
    request_arrives, mailoutbox, sms_folder
):
    request_arrives(**EXPERT_ASSIGNED)
    request_arrives(
        **EXPERT_ASSIGNED,
        channel="sms",
        recipient={"name": "Alice Martin", "email": None, "phone": "+1 555 0100"},
    )

    notifications_send_due()

    [mail] = mailoutbox
    assert mail.subject == "An expert is on the way: Laptop does not boot"
    assert "Ada Lovelace from the Sysops Squad will take care of your ticket" in mail.body
    assert "expected by 2026-11-25 17:00 UTC" in mail.body
    [sms] = list(sms_folder.iterdir())
    assert 'Ada Lovelace will take care of "Laptop does not boot"' in sms.read_text()
