"""Admin lists over tables of millions of rows (`config.admin_lists`), shown through the customer
quantum's tickets: found by their keys only, counted up to a limit, never counted whole."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import admin_lists
from tests.customer_quantum.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")

TICKETS = reverse("admin:customer_quantum_ticket_changelist")


@pytest.fixture
def tickets():
    """Alice's fridge and Bob's laptop."""
    return (
        TicketFactory(title="Fridge warm", customer=CustomerFactory(email="alice@example.com")),
        TicketFactory(title="Laptop dead", customer=CustomerFactory(email="bob@example.com")),
    )


def titles_found(admin_client, term: str) -> list[str]:
    response = admin_client.get(TICKETS, {"q": term})
    assert response.status_code == 200
    return [ticket.title for ticket in response.context["cl"].result_list]


@pytest.mark.parametrize(
    "key", [lambda t: str(t.id), lambda t: str(t.customer_id), lambda t: t.customer.email]
)
def test_a_ticket_is_found_by_each_of_its_keys(admin_client, tickets, key):
    fridge, _ = tickets

    assert titles_found(admin_client, f"  {key(fridge)} ") == ["Fridge warm"]


@pytest.mark.parametrize(
    "term", ["Fridge", "fridge warm", "-1", "99999999999999999999999", "x" * 300, "'", "%"]
)
def test_a_term_no_key_holds_finds_nothing_and_fails_nothing(admin_client, tickets, term):
    assert titles_found(admin_client, term) == []


def test_the_list_counts_up_to_the_limit_and_says_more_than(admin_client, monkeypatch):
    monkeypatch.setattr(admin_lists, "LIST_COUNTED_MOST", 2)
    TicketFactory.create_batch(3)

    page = admin_client.get(TICKETS).content.decode()

    assert "more than 2 tickets" in page


def test_no_statement_counts_the_whole_table(admin_client, tickets):
    with CaptureQueriesContext(connections["customer"]) as statements:
        admin_client.get(TICKETS, {"status__exact": "submitted"})

    counts = [s["sql"] for s in statements if "COUNT(" in s["sql"].upper()]
    assert counts
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_the_search_box_says_what_it_finds(admin_client):
    page = admin_client.get(TICKETS).content.decode()

    assert "A ticket id, a customer id or a customer&#x27;s e-mail address." in page
