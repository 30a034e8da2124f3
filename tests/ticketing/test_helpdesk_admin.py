"""The helpdesk finds tickets by customer, id, status or text; staff keep experts and see alerts."""

import uuid
from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config import admin_lists
from tests.ticketing.factories import ExpertFactory, TicketFactory
from ticketing import selectors as ticketing_selectors
from ticketing.admin import TicketAdmin
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
    found = tickets_search(tickets=Ticket.objects.all(), text=text, shown=100)
    return {ticket.title for ticket in found.tickets}


def matches_read(text: str) -> str:
    """The statement that reads the search's matches along its leading word's rows, the search
    having found the one ticket titled "Fridge leaks"."""
    with CaptureQueriesContext(connections["ticketing"]) as sent:
        assert searched(text) == {"Fridge leaks"}
    [read] = [query["sql"] for query in sent if "ORDER BY" in query["sql"] and "U0" in query["sql"]]
    return read


def test_every_word_must_match_the_title_the_description_or_the_customers_name():
    TicketFactory(title="Laptop fan", customer_name="Grace Hopper", description="Loud.")
    TicketFactory(title="Laptop screen", customer_name="Alan Turing", description="Dark.")

    assert searched("laptop") == {"Laptop fan", "Laptop screen"}
    assert searched("LAPTOP hopper") == {"Laptop fan"}
    assert searched("laptop dark") == {"Laptop screen"}
    assert searched("laptop nobody") == set()


def test_a_word_matches_whole_words_in_any_case_and_punctuation_is_not_typed():
    TicketFactory(title="Screen flickers", description="Serial SN-4471X, bought in 2019.")

    assert searched("FLICKERS") == {"Screen flickers"}
    assert searched("flicker") == set()
    assert searched("sn-4471x") == {"Screen flickers"}
    assert searched("4471x 2019.") == {"Screen flickers"}


def test_a_number_finds_the_customer_of_that_id_or_the_number_in_a_text():
    TicketFactory(title="Phone dead", customer_id=4711)
    TicketFactory(title="Error 4711 on boot", customer_id=1)
    TicketFactory(title="Other", customer_id=47)

    assert searched("4711") == {"Phone dead", "Error 4711 on boot"}
    assert searched("4711 phone") == {"Phone dead"}
    assert searched("boot 4711") == {"Error 4711 on boot"}
    assert searched("47") == {"Other"}  # too short for a word: the customer id only
    assert searched(str(2**64)) == set()  # no customer has an id past the column's range


def test_words_shorter_than_three_characters_are_left_out():
    TicketFactory(title="TV is dark")
    TicketFactory(title="Radio hums")

    assert searched("is") == {"TV is dark", "Radio hums"}
    assert searched("is dark") == {"TV is dark"}


def test_a_ticket_id_finds_that_ticket_if_the_other_words_match():
    ticket = TicketFactory(title="Phone dead")

    assert searched(f"{ticket.pk} phone") == {"Phone dead"}
    assert searched(f"dead {ticket.pk} laptop") == set()


def test_a_search_reads_the_tickets_of_its_rarest_word():
    TicketFactory.create_batch(3, title="Fridge warm")
    TicketFactory(title="Fridge leaks")

    assert """"ticketing_ticketword"."word" = 'leaks'""" in matches_read("fridge leaks")


def test_of_words_past_the_count_the_one_whose_newest_tickets_reach_further_back_leads(
    monkeypatch,
):
    monkeypatch.setattr(ticketing_selectors, "WORD_TICKETS_COUNTED", 2)
    now = timezone.now()
    for days in (1, 2, 3, 4):
        TicketFactory(title="Fridge warm", submitted_at=now - timedelta(days=days))
    for days in (1, 10, 20):
        TicketFactory(title="Fridge leaks", submitted_at=now - timedelta(days=days))

    # Both words are past the count of 2; "leaks" is the rarer, though the shorter.
    assert """"ticketing_ticketword"."word" = 'leaks'""" in matches_read("fridge leaks")


def test_the_migration_writes_the_words_of_the_tickets_taken_in_before():
    Ticket.objects.create(
        id=uuid.uuid4(),
        customer_id=1,
        customer_name="Grace Hopper",
        title="Laptop fan",
        device_category="computer",
        priority="normal",
        submitted_at=timezone.now(),
    )
    assert searched("hopper") == set()
    migration = import_module("ticketing.migrations.0012_ticket_words")

    migration.words_written(django_apps, SimpleNamespace(connection=connections["ticketing"]))

    assert searched("hopper") == {"Laptop fan"}


def titles_listed(response) -> list[str]:
    return [ticket.title for ticket in response.context["cl"].result_list]


def test_a_search_lists_its_matches_newest_first_a_page_at_a_time(admin_client, monkeypatch):
    monkeypatch.setattr(TicketAdmin, "list_per_page", 2)
    now = timezone.now()
    for days, title in [(3, "Fridge warm"), (1, "Fridge loud"), (2, "Fridge leaks")]:
        TicketFactory(title=title, submitted_at=now - timedelta(days=days))
    TicketFactory(title="Oven cold", submitted_at=now)

    first = admin_client.get(TICKETS, {"q": "fridge"})
    second = admin_client.get(TICKETS, {"q": "fridge", "p": "2"})

    assert titles_listed(first) == ["Fridge loud", "Fridge leaks"]
    assert "more than 2 results" in first.content.decode()
    assert titles_listed(second) == ["Fridge warm"]
    assert "3 results" in second.content.decode()


def test_a_search_keeps_the_lists_filters(admin_client):
    TicketFactory(title="Fridge warm", priority="urgent")
    TicketFactory(title="Fridge loud", priority="low")

    assert found(admin_client, TICKETS, q="fridge", priority__exact="low") == {"Fridge loud"}


def test_the_customers_words_are_not_edited_in_ticketing(admin_client):
    ticket = TicketFactory(title="Fridge warm")

    page = admin_client.get(reverse("admin:ticketing_ticket_change", args=[ticket.pk]))

    assert 'name="title"' not in page.content.decode()
    assert 'name="description"' not in page.content.decode()
    assert 'name="customer_name"' not in page.content.decode()


def test_without_a_search_the_list_counts_up_to_the_limit(admin_client, monkeypatch):
    monkeypatch.setattr(admin_lists, "LIST_COUNTED_MOST", 2)
    TicketFactory.create_batch(3, title="Fridge warm")

    assert "more than 2 tickets" in admin_client.get(TICKETS).content.decode()


def test_below_the_page_the_search_counts_exactly(admin_client):
    TicketFactory.create_batch(3, title="Fridge warm")

    assert "3 tickets" in admin_client.get(TICKETS, {"q": "fridge"}).content.decode()
