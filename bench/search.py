"""Benchmark of the helpdesk's ticket search (ticketing's admin) on PostgreSQL, at growing sizes.

Not a test: it measures. It creates throwaway databases `sysops_bench_search_<alias>` on the server
of BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432; it touches no other database),
and for each size fills ticketing's tickets with set-based SQL, shaped like the scale benchmark's
(ten tickets a customer, the customers' 200 shared names, 96 titles from a device and a problem, a
serial number in each description, submitted over two years in no order), searches the changelist
as a superuser for one customer's name, id, a ticket id, a serial number and a title, and prints
what `EXPLAIN (ANALYZE, BUFFERS)` says each search's statements to ticketing read and took. Then
it drops the databases.

    .venv/bin/python -m bench.search [--tickets 100000 1000000]
"""

import argparse
import os
import re

from bench.throwaway import on_throwaway_databases

TICKETS_A_CUSTOMER = 10
SEARCHED_CUSTOMER = 777

FILL = """
    INSERT INTO ticketing_ticket (id, customer_id, customer_name, title, description,
        device_category, priority, status, submitted_at, received_at, customer_region,
        status_sequence)
    SELECT md5('ticket-' || g)::uuid, c, {name},
           initcap((%(devices)s::text[])[1 + (g * 40503) %% %(device_count)s]) || ' '
               || (%(problems)s::text[])[1 + (g * 613) %% %(problem_count)s],
           'Reported on the phone: serial SN' || g || '.', 'computer', 'normal', 'completed',
           now() - make_interval(secs => ((g * 2654435761) %% 63072000)::float8), now(), '', 4
    FROM (SELECT g, 1 + (g - 1) / %(a_customer)s AS c
          FROM generate_series(1::bigint, %(tickets)s) AS g) AS numbered
"""


def database(alias: str) -> str:
    return f"sysops_bench_search_{alias}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[100_000, 1_000_000])
    arguments = parser.parse_args()
    if min(arguments.tickets) < SEARCHED_CUSTOMER * TICKETS_A_CUSTOMER:
        raise SystemExit(f"--tickets: at least {SEARCHED_CUSTOMER * TICKETS_A_CUSTOMER}")
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")

    with on_throwaway_databases(server, database):
        run(arguments.tickets)


def run(sizes: list[int]) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    call_command("migrate_all_databases", verbosity=0)
    setup_test_environment()  # the responses keep their context: the count shown
    staff = get_user_model().objects.create_superuser("bench-search", password=None)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    for tickets in sizes:
        tickets_fill(tickets)
        print(f"{tickets:,} tickets: buffers read and milliseconds per search")
        for kind, term in searched_terms().items():
            client.get("/admin/ticketing/ticket/", {"q": term})  # warm the caches
            buffers, milliseconds, count = search_measured(client, term)
            print(f"  {kind:<14} {term!r:<42} {count:>6} {buffers:>8,} {milliseconds:>8.1f}")


def tickets_fill(tickets: int) -> None:
    from django.db import connections

    from bench.scale.fill import NAME, TICKET_WORDS, WORDS, word_limits

    words = TICKET_WORDS.format(
        tickets="SELECT * FROM ticketing_ticket",
        text="title || ' ' || description || ' ' || customer_name",
    )
    with connections["ticketing"].cursor() as cursor:
        cursor.execute("TRUNCATE ticketing_ticket CASCADE")
        cursor.execute(
            FILL.format(name=NAME.format(n="c")),
            {**WORDS, "a_customer": TICKETS_A_CUSTOMER, "tickets": tickets},
        )
        cursor.execute(words, word_limits())
        cursor.execute("VACUUM ANALYZE ticketing_ticket")
        cursor.execute("VACUUM ANALYZE ticketing_ticketword")


def searched_terms() -> dict[str, str]:
    """What the helpdesk types, from one customer's first ticket."""
    from ticketing.models import Ticket

    ticket = Ticket.objects.filter(customer_id=SEARCHED_CUSTOMER).order_by("description").first()
    return {
        "name": ticket.customer_name,
        "customer id": str(ticket.customer_id),
        "ticket id": str(ticket.pk),
        "serial number": ticket.description.split()[-1].rstrip("."),
        "title": ticket.title,
    }


def search_measured(client, term: str) -> tuple[int, float, str]:
    """The buffers and milliseconds of the search's statements to ticketing, run again under
    EXPLAIN (ANALYZE, BUFFERS) as they were sent, and the count the page shows."""
    from django.db import connections

    from bench.scale.plans import captured

    with captured() as statements:
        response = client.get("/admin/ticketing/ticket/", {"q": term})
    paginator = response.context["cl"].paginator
    count = f">{paginator.limit:,}" if paginator.count_reached_limit else str(paginator.count)
    buffers, milliseconds = 0, 0.0
    with connections["ticketing"].cursor() as cursor:
        for statement in statements:
            if statement.alias != "ticketing":
                continue
            if not statement.sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement.sql}", statement.params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            top = re.search(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", plan)
            buffers += int(top.group(1)) + int(top.group(2) or 0) if top else 0
            milliseconds += float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
    return buffers, milliseconds, count


if __name__ == "__main__":
    main()
