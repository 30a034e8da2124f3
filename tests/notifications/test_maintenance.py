"""Pausing sending for maintenance: requests keep arriving and are held; on resume each is sent
once, oldest first. Invoices issued meanwhile are neither lost nor sent twice."""

import pytest
from django.core.management import call_command

from customer_quantum.endpoint import endpoint as customer_endpoint
from messaging.models import OutboxMessage
from notifications.endpoint import endpoint
from notifications.models import Notification
from notifications.services import notifications_send_due
from tests.billing_quantum.traces import envelope_of
from tests.customer_quantum.factories import CustomerFactory
from tests.customer_quantum.test_invoices import invoice_issued

pytestmark = pytest.mark.django_db(databases="__all__")


def test_requests_held_while_paused_are_sent_once_in_order_on_resume(request_arrives, mailoutbox):
    call_command("notifications_pause")
    for number in ("2026-000001", "2026-000002", "2026-000003"):
        request_arrives(reference=number, context={"number": number, "period": "2026-10"})
    notifications_send_due()

    assert mailoutbox == []
    assert list(Notification.objects.values_list("status", flat=True)) == ["held"] * 3

    call_command("notifications_resume")
    notifications_send_due()
    notifications_send_due()

    assert [mail.subject for mail in mailoutbox] == [
        "Your invoice 2026-000001 for 2026-10",
        "Your invoice 2026-000002 for 2026-10",
        "Your invoice 2026-000003 for 2026-10",
    ]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_invoices_issued_while_paused_arrive_later_none_lost_or_duplicated(mailoutbox):
    customer = CustomerFactory(email="grace@example.com")
    call_command("notifications_pause")
    numbers = [f"2026-00000{n}" for n in range(1, 6)]
    for number in numbers:
        # Billing's message reaches the customer quantum twice: a redelivery changes nothing.
        envelope = invoice_issued(customer_id=customer.id, number=number)
        customer_endpoint.receive(envelope)
        customer_endpoint.receive(envelope)
    requests = OutboxMessage.objects.using("customer").filter(type="NotificationRequested")
    for row in requests.order_by("created_at"):
        delivery = envelope_of(row, sender="customer")
        endpoint.receive(delivery)
        endpoint.receive(delivery)  # and notifications gets its request twice too
    notifications_send_due()
    assert mailoutbox == []

    call_command("notifications_resume")
    notifications_send_due()

    assert [mail.subject.split()[2] for mail in mailoutbox] == numbers
    assert all(mail.to == [f"{customer.name} <grace@example.com>"] for mail in mailoutbox)
