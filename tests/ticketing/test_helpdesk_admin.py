"""The helpdesk finds tickets by customer, id, status or text; staff keep experts and see alerts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.ticketing.factories import ExpertFactory, TicketFactory
from ticketing import selectors
from ticketing.jobs import tickets_assign
from ticketing.models import Ticket
from ticketing.selectors import tickets_search

pytestmark = pytest.mark.django_db(databases="__all__")

TICKETS = reverse("admin:ticketing_ticket_changelist")


def found(admin_client, url: str, **query) -> set[str]:
    response = admin_client.get(url, query)
    assert response.status_code == 200
    return {str(row) for row in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "Grace"}, {"Laptop fan"}),
        ({"q": "flickers"}, {"Television dark"}),
        ({"status__exact": "assigned"}, {"Laptop fan"}),
    ],
)
def test_the_helpdesk_finds_tickets(admin_client, query, expected):
    ExpertFactory(skills=["computer"])
    TicketFactory(title="Laptop fan", customer_name="Grace Hopper", device_category="computer")
    TicketFactory(
        title="Television dark", description="The screen flickers.", device_category="television"
    )
    tickets_assign()

    assert found(admin_client, TICKETS, **query) == expected


def test_the_helpdesk_finds_a_ticket_by_its_id_and_sees_its_assignments(admin_client):
    ExpertFactory(name="Ada Expert")
    ticket = TicketFactory(title="Phone dead")
    TicketFactory(title="Other")
    tickets_assign()

    assert found(admin_client, TICKETS, q=str(ticket.pk)) == {"Phone dead"}
    page = admin_client.get(reverse("admin:ticketing_ticket_change", args=[ticket.pk]))
    assert "Ada Expert" in page.content.decode()


def test_staff_search_and_filter_experts(admin_client):
    ExpertFactory(name="Ada", region="Springfield", skills=["phone"])
    ExpertFactory(name="Bob", region="Shelbyville", skills=["camera"])
    experts = reverse("admin:ticketing_expert_changelist")

    assert found(admin_client, experts, q="Shelbyville") == {"Bob"}
    assert found(admin_client, experts, skill="phone") == {"Ada"}


def test_staff_add_an_expert_with_known_skills(admin_client):
    response = admin_client.post(
        reverse("admin:ticketing_expert_add"),
        {
            "user_id": "42",
            "name": "Cleo",
            "skills": ["tablet"],
            "region": "Springfield",
            "available": "on",
            "capacity": "2",
        },
    )

    assert response.status_code == 302
    assert found(admin_client, reverse("admin:ticketing_expert_changelist")) == {"Cleo"}


def test_staff_see_the_alerts_for_tickets_nobody_could_take(admin_client, settings):
    settings.ASSIGNMENT_ALERT_AFTER_MINUTES = 0
    TicketFactory(title="Drone crashed", device_category="other")
    tickets_assign()

    alerts = reverse("admin:ticketing_unassignedticketalert_changelist")
    assert found(admin_client, alerts) == {"Unassigned: Drone crashed"}


def searched(text: str) -> set[str]:
    found = tickets_search(tickets=Ticket.objects.all(), text=text)
    return {ticket.title for ticket in found.tickets}


def test_every_word_must_match_the_title_the_description_or_the_customers_name():
    TicketFactory(title="Laptop fan", customer_name="Grace Hopper", description="Loud.")
    TicketFactory(title="Laptop screen", customer_name="Alan Turing", description="Dark.")

    assert searched("laptop") == {"Laptop fan", "Laptop screen"}
    assert searched("LAPTOP hopper") == {"Laptop fan"}
    assert searched("laptop dark") == {"Laptop screen"}
    assert searched("laptop nobody") == set()


def test_a_number_finds_the_customer_of_that_id_or_the_number_in_a_text():
    TicketFactory(title="Phone dead", customer_id=4711)
    TicketFactory(title="Error 4711 on boot", customer_id=1)
    TicketFactory(title="Other", customer_id=47)

    assert searched("4711") == {"Phone dead", "Error 4711 on boot"}
    assert searched("47") == {"Other"}  # too short for a text: the customer id only
    assert searched(str(2**64)) == set()  # no customer has an id past the column's range


def test_words_shorter_than_three_characters_are_left_out():
    TicketFactory(title="TV is dark")
    TicketFactory(title="Radio hums")

    assert searched("is") == {"TV is dark", "Radio hums"}
    assert searched("is dark") == {"TV is dark"}


def titles_listed(response) -> list[str]:
    return [ticket.title for ticket in response.context["cl"].result_list]


@pytest.mark.parametrize("most_sorted", [1_000, 2])
def test_a_search_lists_its_matches_newest_first(admin_client, monkeypatch, most_sorted):
    # Three matches are either few enough to sort, or more than the most sorted.
    monkeypatch.setattr(selectors, "SEARCH_SORTED_MOST", most_sorted)
    now = timezone.now()
    for days, title in [(3, "Fridge warm"), (1, "Fridge loud"), (2, "Fridge leaks")]:
        TicketFactory(title=title, submitted_at=now - timedelta(days=days))
    TicketFactory(title="Oven cold", submitted_at=now)

    response = admin_client.get(TICKETS, {"q": "fridge"})

    assert titles_listed(response) == ["Fridge loud", "Fridge leaks", "Fridge warm"]


def test_past_the_most_sorted_the_page_says_more_than(admin_client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_SORTED_MOST", 2)
    TicketFactory.create_batch(3, title="Fridge warm")

    response = admin_client.get(TICKETS, {"q": "fridge"})

    page = response.content.decode()
    assert "more than 2 tickets" in page
    assert "more than 2 results" in page
    assert len(response.context["cl"].result_list) == 3


def test_without_a_search_the_list_counts_up_to_the_limit(admin_client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_SORTED_MOST", 2)
    TicketFactory.create_batch(3, title="Fridge warm")

    assert "more than 2 tickets" in admin_client.get(TICKETS).content.decode()


def test_below_the_limit_the_page_counts_exactly(admin_client):
    TicketFactory.create_batch(3, title="Fridge warm")

    assert "3 tickets" in admin_client.get(TICKETS, {"q": "fridge"}).content.decode()
