"""The helpdesk files a ticket for a customer on the phone; it flows exactly like a portal ticket."""

import pytest
from django.urls import reverse

from customer_quantum.models import Ticket
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import CustomerFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def file_ticket_url(customer) -> str:
    return reverse("admin:customer_quantum_customer_file_ticket", args=[customer.pk])


def test_staff_reach_the_form_from_the_customer_list(admin_client):
    customer = CustomerFactory(name="Grace Hopper")

    listing = admin_client.get(reverse("admin:customer_quantum_customer_changelist"))
    form = admin_client.get(file_ticket_url(customer))

    assert file_ticket_url(customer) in listing.content.decode()
    assert form.status_code == 200
    assert "Grace Hopper" in form.content.decode()


def test_a_ticket_filed_by_staff_is_the_customers_and_is_sent_to_ticketing(admin_client):
    customer = CustomerFactory(region="Springfield")

    response = admin_client.post(
        file_ticket_url(customer),
        {"title": "Fridge is warm", "device_category": "appliance", "priority": "high"},
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.customer, ticket.status, ticket.priority) == (customer, "submitted", "high")
    message = OutboxMessage.objects.using("customer").get()
    assert (message.type, message.version) == ("TicketCreated", 2)
    assert message.payload["customer_region"] == "Springfield"


def test_a_bad_ticket_is_refused_field_by_field_and_nothing_is_stored(admin_client):
    customer = CustomerFactory()

    response = admin_client.post(
        file_ticket_url(customer), {"title": "", "device_category": "spaceship"}
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"title", "device_category"}
    assert not Ticket.objects.exists()
    assert not OutboxMessage.objects.using("customer").exists()
