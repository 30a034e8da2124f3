"""On PostgreSQL the helpdesk's search and list are served by indexes: a search never reads every
ticket, however many there are, nor every match. The planner prefers reading a tiny table whole, so these tests turn
sequential scans off: a plan can then avoid them only if an index fits the query exactly (the
trigram index is on the very expression Django's `icontains` compares)."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from tests.ticketing.factories import TicketFactory
from ticketing import selectors
from ticketing.models import Ticket
from ticketing.selectors import tickets_search

# "default" too: alone, a ticketing-only test cannot set up its database (it depends on default).
pytestmark = [pytest.mark.integration, pytest.mark.django_db(databases=["default", "ticketing"])]


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return explained(sql, params)


def explained(sql: str, params=None) -> str:
    with connections["ticketing"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def page(found):
    """The first page of a search as the helpdesk's list asks for it."""
    return found.tickets.order_by("-submitted_at", "-id")[:100]


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        (
            "hopper",
            [
                "ticket_title_trigrams",
                "ticket_description_trigrams",
                "ticket_customer_name_trigrams",
            ],
        ),
        ("4711", ["ticketing_ticket_customer_id", "ticket_title_trigrams"]),
    ],
)
def test_a_search_finds_its_first_matches_through_the_trigram_and_customer_indexes(text, indexes):
    TicketFactory(title="Laptop fan", customer_name="Grace Hopper", customer_id=4711)

    with CaptureQueriesContext(connections["ticketing"]) as sent:
        tickets_search(tickets=Ticket.objects.all(), text=text)
    [first_matches] = [query["sql"] for query in sent if "LIMIT 1001" in query["sql"]]
    plan = explained(first_matches)

    assert "Seq Scan" not in plan, plan
    assert "Sort" not in plan, plan
    for index in indexes:
        assert index in plan, plan


def test_a_search_by_ticket_id_reads_one_row_by_its_key():
    ticket = TicketFactory()

    plan = plan_of(page(tickets_search(tickets=Ticket.objects.all(), text=str(ticket.pk))))

    assert "ticketing_ticket_pkey" in plan, plan
    assert "ticket_newest_first" not in plan, plan


def test_few_matches_are_read_by_their_keys_and_sorted():
    TicketFactory.create_batch(3, title="Fridge warm")

    plan = plan_of(page(tickets_search(tickets=Ticket.objects.all(), text="fridge")))

    assert "ticketing_ticket_pkey" in plan, plan
    assert "trigrams" not in plan, plan


def test_many_matches_are_listed_along_the_newest_first_index_without_reading_them_all(
    monkeypatch,
):
    monkeypatch.setattr(selectors, "SEARCH_SORTED_MOST", 2)
    TicketFactory.create_batch(3, title="Fridge warm")

    found = tickets_search(tickets=Ticket.objects.all(), text="fridge")
    plan = plan_of(page(found))

    assert found.count == 3
    assert "ticket_newest_first" in plan, plan
    assert "Sort" not in plan, plan
    assert "trigrams" not in plan, plan


def test_the_newest_tickets_are_read_in_the_order_of_an_index():
    plan = plan_of(Ticket.objects.order_by("-submitted_at", "-id")[:100])

    assert "ticket_newest_first" in plan, plan
    assert "Sort" not in plan, plan
