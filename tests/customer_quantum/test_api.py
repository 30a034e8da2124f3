"""The customer API for tickets: submission, validation, and each customer seeing only their own."""

import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from customer_quantum.models import Ticket
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")

TICKETS = "/api/customer/tickets/"
VALID = {
    "title": "Laptop does not boot",
    "description": "Black screen after the logo.",
    "device_category": "computer",
    "priority": "high",
}


def test_submitting_a_ticket_answers_201_with_the_stored_ticket(
    api, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        response = api.post(TICKETS, VALID, format="json")

    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.data["id"])
    assert ticket.customer == customer
    assert response.data["status"] == "submitted"
    assert {key: response.data[key] for key in VALID} == VALID


def test_submission_stores_a_ticket_created_message_for_ticketing(api, customer):
    response = api.post(TICKETS, VALID, format="json")

    message = OutboxMessage.objects.using("customer").get()
    assert (message.type, message.version, message.receiver) == ("TicketCreated", 2, "ticketing")
    assert message.payload["customer_region"] == customer.region
    assert message.payload["ticket_id"] == response.data["id"]
    assert message.payload["customer_id"] == customer.id
    assert message.payload["title"] == VALID["title"]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"title": ""}, "title", "may not be blank"),
        ({"title": "x" * 201}, "title", "no more than 200 characters"),
        ({"device_category": "toaster"}, "device_category", "not a valid choice"),
        ({"priority": "whenever"}, "priority", "not a valid choice"),
        ({"description": "x" * 5001}, "description", "no more than 5000 characters"),
        ({"title": None}, "title", "may not be null"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(api, change, field, reason):
    response = api.post(TICKETS, {**VALID, **change}, format="json")

    assert response.status_code == 400
    assert reason in str(response.data[field][0])
    assert not Ticket.objects.exists()
    assert not OutboxMessage.objects.using("customer").exists()


def test_description_and_priority_are_optional(api):
    response = api.post(TICKETS, {"title": "Fridge is warm", "device_category": "appliance"})

    assert response.status_code == 201
    assert (response.data["description"], response.data["priority"]) == ("", "normal")


def test_missing_fields_are_each_named(api):
    response = api.post(TICKETS, {}, format="json")

    assert response.status_code == 400
    assert set(response.data) == {"title", "device_category"}
    assert not Ticket.objects.exists()


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(TICKETS, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.data["detail"]
    assert not Ticket.objects.exists()


def test_a_customer_lists_only_their_own_tickets(api, customer):
    own = TicketFactory.create_batch(2, customer=customer)
    TicketFactory(customer=CustomerFactory())

    response = api.get(TICKETS)

    assert response.status_code == 200
    assert {ticket["id"] for ticket in response.data["results"]} == {
        str(ticket.id) for ticket in own
    }


def test_a_customer_reads_their_own_ticket(api, customer):
    ticket = TicketFactory(customer=customer)

    response = api.get(f"{TICKETS}{ticket.id}/")

    assert response.status_code == 200
    assert response.data["title"] == ticket.title


@pytest.mark.parametrize("whose", ["another customer's", "nobody's"])
def test_any_ticket_but_ones_own_is_not_found(api, whose):
    ticket_id = (
        TicketFactory(customer=CustomerFactory()).id if whose != "nobody's" else uuid.uuid4()
    )

    response = api.get(f"{TICKETS}{ticket_id}/")

    assert response.status_code == 404


def test_an_anonymous_request_is_refused():
    response = APIClient().get(TICKETS)

    assert response.status_code in (401, 403)


def test_an_account_without_a_customer_profile_is_refused_with_a_reason():
    staff = get_user_model().objects.create_user("helpdesk", password="x", is_staff=True)
    client = APIClient()
    client.force_authenticate(user=staff)

    response = client.post(TICKETS, VALID, format="json")

    assert response.status_code == 403
    assert response.data["detail"] == "This account has no customer profile."
    assert not Ticket.objects.exists()


def test_the_api_schema_describes_ticket_submission():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "post" in schema["paths"]["/api/customer/tickets/"]
    assert "/api/customer/tickets/{id}/" in schema["paths"]
