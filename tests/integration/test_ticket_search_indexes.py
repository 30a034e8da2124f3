"""On PostgreSQL the helpdesk's search and list are served by indexes: a search reads the tickets of
one word newest first and stops at the page, however many tickets hold the word. The planner
prefers reading a tiny table whole, or its few matches in any order then sorting them, so these
tests turn sequential and bitmap scans off: a plan can then avoid them only if an index fits the
query exactly."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from tests.ticketing.factories import TicketFactory
from ticketing.models import Ticket
from ticketing.selectors import WORD_TICKETS_COUNTED, tickets_search

# "default" too: alone, a ticketing-only test cannot set up its database (it depends on default).
pytestmark = [pytest.mark.integration, pytest.mark.django_db(databases=["default", "ticketing"])]


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return explained(sql, params)


def explained(sql: str, params=None) -> str:
    with connections["ticketing"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def reads_of(text: str, limit: int = 101) -> list[str]:
    """The plans of what a search sends with `limit`: to read its newest matches (one page and one
    more) or, with WORD_TICKETS_COUNTED, to find its rarest word."""
    with CaptureQueriesContext(connections["ticketing"]) as sent:
        tickets_search(tickets=Ticket.objects.all(), text=text, shown=100)
    return [explained(query["sql"]) for query in sent if f"LIMIT {limit}" in query["sql"]]


def test_a_search_reads_its_rarest_words_tickets_newest_first_and_looks_up_the_others_beside():
    TicketFactory(title="Laptop fan", customer_name="Grace Hopper")

    [plan] = reads_of("laptop hopper")

    # Once to read the tickets of one word, once to look up the other word's row of each.
    assert plan.count("Index Only Scan using ticket_word_newest_first") == 2, plan
    assert "(submitted_at = ticketing_ticketword.submitted_at)" in plan, plan
    for reading_all in ("Seq Scan", "Sort", "Hash", "Join"):
        assert reading_all not in plan, plan


def test_a_search_finds_its_rarest_word_reading_each_words_newest_tickets_along_its_index():
    TicketFactory(title="Laptop fan", customer_name="Grace Hopper")

    plans = reads_of("laptop hopper", limit=WORD_TICKETS_COUNTED)

    assert len(plans) == 2, plans
    for plan in plans:
        assert "Index Only Scan using ticket_word_newest_first" in plan, plan
        for reading_all in ("Seq Scan", "Sort"):
            assert reading_all not in plan, plan


def test_a_number_reads_the_customers_tickets_and_the_numbers_tickets_as_a_word():
    TicketFactory(title="Error 4711", customer_id=4711)

    of_customer, as_word = reads_of("4711")

    assert "ticketing_ticket_customer_id" in of_customer, of_customer
    assert "ticket_word_newest_first" in as_word, as_word
    assert "Seq Scan" not in of_customer + as_word


def test_a_search_by_ticket_id_reads_one_row_by_its_key():
    ticket = TicketFactory()

    [plan] = reads_of(str(ticket.pk))

    assert "ticketing_ticket_pkey" in plan, plan
    assert "ticket_newest_first" not in plan, plan


def test_the_page_reads_its_tickets_by_their_keys():
    TicketFactory.create_batch(3, title="Fridge warm")

    found = tickets_search(tickets=Ticket.objects.all(), text="fridge", shown=100)
    plan = plan_of(found.tickets.order_by("-submitted_at", "-id")[:100])

    assert "ticketing_ticket_pkey" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_newest_tickets_are_read_in_the_order_of_an_index():
    plan = plan_of(Ticket.objects.order_by("-submitted_at", "-id")[:100])

    assert "ticket_newest_first" in plan, plan
    assert "Sort" not in plan, plan
