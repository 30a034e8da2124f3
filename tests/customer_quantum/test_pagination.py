"""The customer's lists come a page at a time, newest first: the API by cursor, the portal by page
number. However long a list grows, a page shows at most a page's worth."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.api_pagination import PAGE_SIZE
from customer_quantum.models import CardSummary
from customer_quantum.views.pages import PAGE_SIZE as PORTAL_PAGE_SIZE
from tests.customer_quantum.factories import InvoiceFactory, TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def portal(client, customer_user):
    client.force_login(customer_user)
    return client


def tickets_of(customer, count: int) -> list:
    """`count` tickets a minute apart, newest first."""
    now = timezone.now()
    tickets = [
        TicketFactory(
            customer=customer, title=f"Ticket {n}", submitted_at=now - timedelta(minutes=n)
        )
        for n in range(count)
    ]
    return [str(ticket.id) for ticket in tickets]


def invoices_of(customer, count: int) -> list[str]:
    """`count` invoices a day apart, newest first."""
    now = timezone.now()
    return [
        InvoiceFactory(customer=customer, issued_at=now - timedelta(days=n)).number
        for n in range(count)
    ]


def all_pages(api, url: str) -> list[list[dict]]:
    pages, answer = [], api.get(url).json()
    pages.append(answer["results"])
    while answer["next"]:
        answer = api.get(answer["next"]).json()
        pages.append(answer["results"])
    return pages


def test_the_ticket_list_comes_in_pages_newest_first_each_ticket_once(api, customer):
    expected = tickets_of(customer, PAGE_SIZE + 5)

    pages = all_pages(api, "/api/customer/tickets/")

    assert [len(page) for page in pages] == [PAGE_SIZE, 5]
    assert [ticket["id"] for page in pages for ticket in page] == expected


def test_a_ticket_submitted_while_paging_neither_repeats_nor_hides_one(api, customer):
    older = tickets_of(customer, PAGE_SIZE + 5)
    first = api.get("/api/customer/tickets/").json()
    TicketFactory(customer=customer, title="Brand new")

    second = api.get(first["next"]).json()

    assert [ticket["id"] for ticket in first["results"] + second["results"]] == older


def test_a_cursor_the_list_never_gave_is_a_404(api, customer):
    tickets_of(customer, 1)

    response = api.get("/api/customer/tickets/?cursor=not-a-cursor")

    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


def test_the_invoice_list_comes_in_pages_newest_first(api, customer):
    expected = invoices_of(customer, PAGE_SIZE + 1)

    pages = all_pages(api, "/api/customer/invoices/")

    assert [invoice["number"] for page in pages for invoice in page] == expected
    assert [len(page) for page in pages] == [PAGE_SIZE, 1]


def test_the_card_list_comes_in_pages(api, customer):
    for n in range(PAGE_SIZE + 2):
        CardSummary.objects.create(
            customer=customer, brand="visa", last4=f"{n:04d}", expiry_month=1, expiry_year=2040
        )

    pages = all_pages(api, "/api/customer/cards/")

    assert [len(page) for page in pages] == [PAGE_SIZE, 2]


def test_the_portals_ticket_list_shows_a_page_and_links_to_the_older_ones(portal, customer):
    expected = tickets_of(customer, PORTAL_PAGE_SIZE + 3)

    first = portal.get("/")
    second = portal.get("/?page=2")

    assert [str(ticket.id) for ticket in first.context["tickets"]] == expected[:PORTAL_PAGE_SIZE]
    assert 'href="?page=2" rel="next">Older</a>' in first.content.decode()
    assert [str(ticket.id) for ticket in second.context["tickets"]] == expected[PORTAL_PAGE_SIZE:]
    assert 'href="?page=1" rel="prev">Newer</a>' in second.content.decode()


@pytest.mark.parametrize(("asked", "shown"), [("abc", 1), ("99", 2), ("0", 2)])
def test_a_page_number_that_is_not_a_page_shows_the_nearest_page_never_an_error(
    portal, customer, asked, shown
):
    tickets_of(customer, PORTAL_PAGE_SIZE + 1)

    response = portal.get(f"/?page={asked}")

    assert response.status_code == 200
    assert response.context["tickets"].number == shown


def test_the_portals_invoice_list_shows_a_page(portal, customer):
    expected = invoices_of(customer, PORTAL_PAGE_SIZE + 1)

    page = portal.get("/invoices/?page=2")

    assert [invoice.number for invoice in page.context["invoices"]] == expected[PORTAL_PAGE_SIZE:]


def test_a_short_list_shows_no_page_links(portal, customer):
    tickets_of(customer, 2)

    assert 'aria-label="Pages"' not in portal.get("/").content.decode()
