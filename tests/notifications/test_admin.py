"""Staff find notifications by recipient or reference, filter them, see each attempt, resend, and
pause or resume sending."""

import pytest
from django.urls import reverse

from notifications.models import Notification, SendingSwitch
from notifications.services import notifications_send_due

pytestmark = pytest.mark.django_db(databases="__all__")

CHANGELIST = reverse("admin:notifications_notification_changelist")
SWITCH = reverse("admin:notifications_sendingswitch_changelist")


def test_the_list_searches_and_filters(admin_client, request_arrives):
    request_arrives(reference="2026-000001")
    request_arrives(
        recipient={"name": "Bob Stone", "phone": "+1 555 0123"},
        channel="sms",
        reference="2026-000002",
    )

    everything = admin_client.get(CHANGELIST)
    by_recipient = admin_client.get(CHANGELIST, {"q": "Bob"})
    by_reference = admin_client.get(CHANGELIST, {"q": "2026-000001"})
    texts = admin_client.get(CHANGELIST, {"channel": "sms", "status": "pending"})

    assert everything.status_code == 200
    assert len(everything.context["cl"].result_list) == 2
    assert [n.reference for n in by_recipient.context["cl"].result_list] == ["2026-000002"]
    assert [n.reference for n in by_reference.context["cl"].result_list] == ["2026-000001"]
    assert [n.reference for n in texts.context["cl"].result_list] == ["2026-000002"]


def test_a_notification_shows_its_attempts(admin_client, request_arrives, mailoutbox):
    request_arrives()
    notifications_send_due()
    notification = Notification.objects.get()

    page = admin_client.get(
        reverse("admin:notifications_notification_change", args=[notification.pk])
    )

    assert page.status_code == 200
    assert len(page.context["inline_admin_formsets"][0].formset.forms) == 1


def test_resend_sends_a_notification_again(admin_client, request_arrives, mailoutbox):
    request_arrives()
    notifications_send_due()
    notification = Notification.objects.get()

    response = admin_client.post(
        CHANGELIST, {"action": "resend", "_selected_action": [str(notification.pk)]}, follow=True
    )
    notifications_send_due()

    assert response.status_code == 200
    assert len(mailoutbox) == 2
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert notification.delivery_attempts.count() == 2


def test_staff_pause_and_resume_sending(admin_client, request_arrives, mailoutbox):
    assert admin_client.get(SWITCH).status_code == 200

    admin_client.post(SWITCH, {"action": "pause", "_selected_action": ["1"]})
    request_arrives()
    notifications_send_due()
    assert SendingSwitch.objects.get().paused and mailoutbox == []

    admin_client.post(SWITCH, {"action": "resume", "_selected_action": ["1"]})
    notifications_send_due()
    assert not SendingSwitch.objects.get().paused and len(mailoutbox) == 1
