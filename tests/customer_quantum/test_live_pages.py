"""The parts of the ticket page, the ticket list and the card list that keep themselves current:
each asks a small JSON endpoint for its HTML, rendered as the page renders it, for its owner only."""

import uuid
from datetime import timedelta

import pytest

from customer_quantum.models import CardSummary, Ticket
from customer_quantum.services.tickets import ticket_status_record
from message_contracts.tickets import TicketStatusChanged
from tests.customer_quantum.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def portal(client, customer_user):
    client.force_login(customer_user)
    return client


def card(customer, status: str, last4: str = "4242") -> CardSummary:
    return CardSummary.objects.create(
        customer=customer,
        brand="Visa",
        last4=last4,
        expiry_month=12,
        expiry_year=2030,
        status=status,
    )


def moved_on(ticket: Ticket, sequence: int, status: str) -> None:
    """Ticketing's word that the ticket moved on, as the customer worker records it."""
    ticket_status_record(
        change=TicketStatusChanged(
            ticket_id=ticket.id,
            sequence=sequence,
            status=status,
            changed_at=ticket.submitted_at + timedelta(minutes=sequence),
            expert_name="Ada Expert",
            expected_arrival=ticket.submitted_at + timedelta(days=1),
        )
    )


def test_the_ticket_page_names_its_live_part(portal, customer):
    ticket = TicketFactory(customer=customer)

    page = portal.get(f"/tickets/{ticket.id}/").content.decode()

    assert f'data-live-url="/tickets/{ticket.id}/live/"' in page
    assert '<script src="/static/portal-live.js" defer></script>' in page


def test_the_ticket_part_follows_the_ticket_until_it_is_completed(portal, customer):
    ticket = TicketFactory(customer=customer)
    url = f"/tickets/{ticket.id}/live/"

    first = portal.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    assert "no-store" in first["Cache-Control"]
    assert first.json()["final"] is False
    assert '<span class="status tone-waiting">Submitted</span>' in first.json()["html"]

    moved_on(ticket, 1, "assigned")
    assigned = portal.get(url).json()
    assert '<span class="status tone-underway">Assigned</span>' in assigned["html"]
    assert "Assigned to Ada Expert" in assigned["html"]
    assert assigned["final"] is False

    moved_on(ticket, 3, "completed")
    assert portal.get(url).json()["final"] is False, "step 2 has not arrived yet"
    moved_on(ticket, 2, "in_progress")
    done = portal.get(url).json()
    assert '<span class="status tone-done">Completed</span>' in done["html"]
    assert done["final"] is True


def test_the_ticket_part_is_the_one_the_page_shows(portal, customer):
    ticket = TicketFactory(customer=customer)
    moved_on(ticket, 1, "assigned")

    page = portal.get(f"/tickets/{ticket.id}/").content.decode()
    part = portal.get(f"/tickets/{ticket.id}/live/").json()["html"]

    assert f'data-live-url="/tickets/{ticket.id}/live/">{part}</div>' in page


def test_another_customers_ticket_part_is_a_404(portal):
    ticket = TicketFactory(customer=CustomerFactory(), title="Somebody else's fridge")

    for url in (f"/tickets/{ticket.id}/live/", f"/tickets/{uuid.uuid4()}/live/"):
        response = portal.get(url)
        assert response.status_code == 404
        assert "fridge" not in response.content.decode()


@pytest.mark.parametrize("url", ["/tickets/live/", "/cards/live/"])
def test_a_live_part_asks_for_a_login_first(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_card_part_is_final_once_no_card_waits_for_billing(portal, customer):
    pending = card(customer, "pending")
    card(CustomerFactory(), "pending", last4="1111")

    waiting = portal.get("/cards/live/").json()
    assert '<span class="status tone-waiting">Pending</span>' in waiting["html"]
    assert "1111" not in waiting["html"]
    assert waiting["final"] is False

    CardSummary.objects.filter(pk=pending.pk).update(status="active")
    active = portal.get("/cards/live/").json()
    assert '<span class="status tone-done">Active</span>' in active["html"]
    assert active["final"] is True


def test_the_ticket_list_part_shows_the_customers_own_tickets(portal, customer):
    TicketFactory(customer=customer, title="My printer jams")
    TicketFactory(customer=CustomerFactory(), title="Somebody else's fridge")

    part = portal.get("/tickets/live/").json()

    assert "My printer jams" in part["html"]
    assert "fridge" not in part["html"]
    assert part["final"] is False
