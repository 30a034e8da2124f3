"""A customer never reads or changes another customer's ticket, card, invoice or survey: every
customer API endpoint and portal page that takes an id (or a survey link) answers 404 for somebody
else's, as if it did not exist, and no list shows it."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from customer_quantum.models import CardSummary, Invoice, Ticket
from customer_quantum.services.surveys import survey_invitation_create, survey_path
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import InvoiceFactory, TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def invoice_of(customer, number: str) -> Invoice:
    return InvoiceFactory(customer=customer, number=number)


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
def their_survey(theirs):
    """The survey of their completed ticket, still open."""
    return survey_invitation_create(ticket=theirs["ticket"])


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


def test_answering_another_customers_survey_is_a_404_and_sends_nothing(api, portal, their_survey):
    outbox_before = OutboxMessage.objects.using("customer").count()

    by_api = api.post(
        f"/api/customer/tickets/{their_survey.ticket_id}/survey/", {"rating": 1}, format="json"
    )
    page = portal.get(survey_path(their_survey))
    by_portal = portal.post(survey_path(their_survey), {"rating": "1"})

    assert by_api.status_code == page.status_code == by_portal.status_code == 404
    for response in (by_api, page, by_portal):
        assert not any(leak in response.content.decode() for leak in LEAKS)
    their_survey.refresh_from_db()
    assert their_survey.used_at is None
    assert OutboxMessage.objects.using("customer").count() == outbox_before


def test_their_survey_is_offered_on_no_page_of_mine(portal, their_survey):
    for url in ["/", f"/tickets/{their_survey.ticket_id}/"]:
        assert survey_path(their_survey) not in portal.get(url).content.decode()


def test_an_anonymous_caller_cannot_answer_a_survey(their_survey):
    outbox_before = OutboxMessage.objects.using("customer").count()

    by_api = APIClient().post(
        f"/api/customer/tickets/{their_survey.ticket_id}/survey/", {"rating": 1}, format="json"
    )
    by_portal = Client().post(survey_path(their_survey), {"rating": "1"})

    assert by_api.status_code in (401, 403)
    assert by_portal.status_code == 302 and by_portal.url.startswith("/accounts/login/")
    their_survey.refresh_from_db()
    assert their_survey.used_at is None
    assert OutboxMessage.objects.using("customer").count() == outbox_before
