"""Portal pages: a customer submits and follows tickets; others are sent away clearly."""

import pytest
from django.contrib.auth import get_user_model

from customer_quantum.models import Ticket
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def portal(client, customer_user):
    client.force_login(customer_user)
    return client


def test_the_portal_asks_for_a_login_first(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


def test_a_customer_logs_in_with_their_password(client, customer_user):
    response = client.post(
        "/accounts/login/",
        {"username": customer_user.username, "password": "correct horse battery staple"},
    )

    assert response.status_code == 302
    assert response.url == "/"


def test_submitting_the_form_stores_the_ticket_and_shows_it(portal, customer):
    response = portal.post(
        "/tickets/new/",
        {
            "title": "TV has no sound",
            "description": "",
            "device_category": "television",
            "priority": "low",
        },
        follow=True,
    )

    ticket = Ticket.objects.get()
    assert ticket.customer == customer
    assert response.redirect_chain == [(f"/tickets/{ticket.id}/", 302)]
    assert "your ticket is submitted" in response.content.decode()
    assert OutboxMessage.objects.using("customer").get().payload["ticket_id"] == str(ticket.id)


def test_an_invalid_form_keeps_what_was_typed_and_names_the_problem(portal):
    response = portal.post(
        "/tickets/new/",
        {"title": "", "description": "It smokes", "device_category": "toaster", "priority": "low"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Select a valid choice. toaster is not one of the available choices." in page
    assert "It smokes" in page
    assert not Ticket.objects.exists()


def test_the_ticket_list_shows_only_the_customers_own(portal, customer):
    TicketFactory(customer=customer, title="My printer jams")
    TicketFactory(customer=CustomerFactory(), title="Somebody else's fridge")

    page = portal.get("/").content.decode()

    assert "My printer jams" in page
    assert "fridge" not in page


def test_another_customers_ticket_page_is_not_found(portal):
    ticket = TicketFactory(customer=CustomerFactory())

    assert portal.get(f"/tickets/{ticket.id}/").status_code == 404


def test_a_staff_account_is_told_the_portal_is_for_customers(client):
    client.force_login(get_user_model().objects.create_user("helpdesk", is_staff=True))

    response = client.get("/")

    assert response.status_code == 403
    assert "not a customer account" in response.content.decode()


def test_an_empty_ticket_form_is_answered_with_what_is_missing(portal):
    page = portal.post("/tickets/new/", {}).content.decode()

    assert page.count("This field is required.") == 3
    assert not Ticket.objects.exists()


def test_the_favicon_is_served_where_browsers_look_for_it(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_pages_link_their_icon(client):
    page = client.get("/accounts/login/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert client.get("/static/favicon.svg").status_code == 200
