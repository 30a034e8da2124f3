"""A customer never reads or changes another customer's ticket, card or invoice: every customer API
endpoint and portal page that takes an id answers 404 for somebody else's, as if it did not exist,
and no list shows it. (Surveys are not in the customer quantum yet: UC-4 is a later issue.)"""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from customer_quantum.models import CardSummary, Invoice, Ticket
from tests.customer_quantum.factories import TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def invoice_of(customer, number: str) -> Invoice:
    return Invoice.objects.create(
        id=uuid.uuid4(),
        customer=customer,
        number=number,
        period="2026-10",
        issued_on=date(2026, 11, 1),
        lines=[],
        total=Decimal("59.00"),
        currency="EUR",
        status="paid",
        issued_at=timezone.now(),
    )


@pytest.fixture
def theirs(other_customer):
    """Another customer's ticket, card and invoice, each with a text only they should ever see."""
    return {
        "ticket": TicketFactory(customer=other_customer, title="Their secret fridge"),
        "card": CardSummary.objects.create(
            customer=other_customer, brand="visa", last4="9876", expiry_month=1, expiry_year=2040
        ),
        "invoice": invoice_of(other_customer, "2026-999999"),
    }


@pytest.fixture
def portal(customer_user):
    client = Client()
    client.force_login(customer_user)
    return client


LEAKS = ["Their secret fridge", "9876", "2026-999999"]


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("ticket", "/api/customer/tickets/{id}/"),
        ("invoice", "/api/customer/invoices/{id}/"),
    ],
)
def test_the_api_answers_404_for_another_customers_object(api, theirs, kind, url):
    response = api.get(url.format(id=theirs[kind].pk))

    assert response.status_code == 404
    assert not any(leak in response.content.decode() for leak in LEAKS)


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("ticket", "/tickets/{id}/"),
        ("invoice", "/invoices/{id}/"),
    ],
)
def test_the_portal_answers_404_for_another_customers_object(portal, theirs, kind, url):
    response = portal.get(url.format(id=theirs[kind].pk))

    assert response.status_code == 404
    assert not any(leak in response.content.decode() for leak in LEAKS)


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("ticket", "/api/customer/tickets/{id}/"),
        ("invoice", "/api/customer/invoices/{id}/"),
    ],
)
def test_changing_another_customers_object_is_refused_as_for_ones_own(
    api, customer, theirs, kind, url, method
):
    """Tickets and invoices are read-only over the API: a change is a 405 for anybody's id alike,
    so the answer tells nothing about whose the object is, and nothing changes."""
    own = TicketFactory(customer=customer) if kind == "ticket" else invoice_of(customer, "2026-1")
    change = {"title": "Mine now", "status": "void"}

    for_theirs = getattr(api, method)(url.format(id=theirs[kind].pk), change)
    for_own = getattr(api, method)(url.format(id=own.pk), change)

    assert for_theirs.status_code == for_own.status_code == 405
    assert for_theirs.json() == for_own.json()
    assert Ticket.objects.filter(title="Mine now").count() == 0
    assert Invoice.objects.filter(status="void").count() == 0
    assert Ticket.objects.filter(pk=theirs["ticket"].pk, title="Their secret fridge").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/customer/tickets/",
        "/api/customer/cards/",
        "/api/customer/invoices/",
        "/api/customer/profile/",
        "/api/customer/plan/",
    ],
)
def test_no_api_list_shows_another_customers_data(api, theirs, other_customer, url):
    body = api.get(url).content.decode()

    assert not any(leak in body for leak in [*LEAKS, other_customer.email, other_customer.name])
    assert not any(str(theirs[kind].pk) in body for kind in theirs)


@pytest.mark.parametrize("url", ["/", "/cards/", "/invoices/", "/profile/", "/plan/"])
def test_no_portal_page_shows_another_customers_data(portal, theirs, other_customer, url):
    body = portal.get(url).content.decode()

    assert not any(leak in body for leak in [*LEAKS, other_customer.email])
    assert not any(str(theirs[kind].pk) in body for kind in theirs)


@pytest.mark.parametrize(
    "url",
    [
        "/api/customer/tickets/",
        "/api/customer/cards/",
        "/api/customer/invoices/",
        "/api/customer/profile/",
        "/api/customer/plan/",
    ],
)
def test_an_anonymous_caller_gets_nothing(theirs, url):
    response = APIClient().get(url)

    assert response.status_code in (401, 403)
    assert not any(leak in response.content.decode() for leak in LEAKS)
