"""The quanta that ask for notifications: the customer quantum for each invoice, by the customer's
preference, and ticketing for the expert a ticket is offered to. Each request travels in the
sender's outbox, in the same transaction as the change."""

import json

import pytest

from customer_quantum.endpoint import endpoint as customer_endpoint
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import CustomerFactory
from tests.customer_quantum.test_invoices import invoice_issued
from tests.ticketing.factories import ExpertFactory, TicketFactory
from ticketing.endpoint import endpoint as ticketing_endpoint
from ticketing.jobs import tickets_assign

pytestmark = pytest.mark.django_db(databases="__all__")


def requests_in(endpoint) -> list[dict]:
    return [
        row.payload
        for row in OutboxMessage.objects.using(endpoint.quantum)
        .filter(type="NotificationRequested")
        .order_by("created_at")
    ]


def test_an_invoice_goes_by_e_mail_to_a_customer_who_prefers_e_mail():
    customer = CustomerFactory(email="grace@example.com", phone="+1 555 0199")

    customer_endpoint.receive(invoice_issued(customer_id=customer.id, number="2026-000042"))

    [request] = requests_in(customer_endpoint)
    assert request["channel"] == "email"
    assert request["recipient"]["email"] == "grace@example.com"
    assert (request["notification_type"], request["reference"]) == ("invoice_issued", "2026-000042")
    assert request["context"]["total"] == "29.90"


def test_an_invoice_goes_by_sms_to_a_customer_who_prefers_sms():
    customer = CustomerFactory(notification_preference="sms", phone="+1 555 0199")

    customer_endpoint.receive(invoice_issued(customer_id=customer.id))

    [request] = requests_in(customer_endpoint)
    assert (request["channel"], request["recipient"]["phone"]) == ("sms", "+1 555 0199")


def test_a_customer_who_prefers_sms_but_gave_no_phone_gets_an_e_mail():
    customer = CustomerFactory(notification_preference="sms", phone="")

    customer_endpoint.receive(invoice_issued(customer_id=customer.id))

    assert [r["channel"] for r in requests_in(customer_endpoint)] == ["email"]


def test_the_same_invoice_twice_asks_for_one_notification():
    customer = CustomerFactory()
    envelope = invoice_issued(customer_id=customer.id)

    customer_endpoint.receive(envelope)
    customer_endpoint.receive(envelope)

    assert len(requests_in(customer_endpoint)) == 1


def test_an_assigned_expert_is_texted():
    ExpertFactory(name="Ada Lovelace", phone="+1 555 0100", skills=["computer"])
    ticket = TicketFactory(title="Laptop does not boot", device_category="computer")

    tickets_assign()

    [request] = requests_in(ticketing_endpoint)
    assert request["channel"] == "sms"
    assert request["recipient"] == {"name": "Ada Lovelace", "email": None, "phone": "+1 555 0100"}
    assert (request["notification_type"], request["reference"]) == (
        "assignment_offered",
        str(ticket.id),
    )
    assert request["context"]["title"] == "Laptop does not boot"
    # Published after the status the customer sees, in the same transaction (analytics is told
    # of the step too, which this test is not about).
    told = (
        OutboxMessage.objects.using("ticketing")
        .exclude(receiver="analytics")
        .order_by("created_at")
    )
    assert [row.type for row in told] == [
        "TicketStatusChanged",
        "NotificationRequested",
    ]
    assert "4242" not in json.dumps(request)


def test_an_expert_without_a_phone_is_not_texted():
    ExpertFactory(phone="", skills=["computer"])
    TicketFactory(device_category="computer")

    assert tickets_assign().assigned == 1
    assert requests_in(ticketing_endpoint) == []
