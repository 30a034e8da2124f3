"""Benchmark of the assignment job on PostgreSQL at two sizes in one run: 10,000 queued tickets with
1,000 experts, then 100,000 with 10,000, in turn for `--runs` rounds, so the median rate at size is
compared with the small one's on the same machine at the same moment, and the process's peak memory
shows whether the job holds its work in memory (a high-water mark: after the first large run it
stays where that run took it).

Not a test: it measures. For each size it creates a throwaway database
`sysops_bench_assignment_ticketing` on the server of BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432; the job touches no other database), fills it with set-based SQL
(nothing of the fill passes through this process, so its memory is the job's), runs one assignment
run handing its status messages to the broker of BENCH_REDIS_URL (default redis://127.0.0.1:6379/0)
under a key prefix of its own, prints tickets assigned per second and the peak resident memory, then
drops the database and the keys.

    .venv/bin/python bench/assignment.py [--tickets 10000 100000] [--experts 1000 10000] [--runs 3]
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import redis

REPOSITORY = Path(__file__).resolve().parents[1]
ALIASES = ("default", "customer", "billing", "ticketing", "analytics", "notifications")
REGIONS = 10


def database_variable(alias: str) -> str:
    return "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"


def database_name(alias: str) -> str:
    return f"sysops_bench_assignment_{alias}"


def recreate_database(server: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database_name("ticketing")}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{database_name("ticketing")}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--experts", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="rounds of every size, in turn; the figures are the medians (a 10,000 run lasts "
        "seconds, so one round moves with whatever else the machine does)",
    )
    arguments = parser.parse_args()
    if len(arguments.tickets) != len(arguments.experts):
        parser.error("give as many --experts as --tickets: one of each per size")
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    broker = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    key_prefix = f"sysops-bench-{uuid.uuid4().hex[:8]}:"

    sizes = list(zip(arguments.tickets, arguments.experts, strict=True))
    rates: dict[tuple[int, int], list[float]] = {size: [] for size in sizes}
    try:
        with tempfile.TemporaryDirectory(prefix="sysops-bench-") as var_dir:
            for alias in ALIASES:
                os.environ[database_variable(alias)] = f"{server}/{database_name(alias)}"
            os.environ["SYSOPS_VAR_DIR"] = var_dir
            os.environ["CELERY_BROKER_URL"] = broker
            os.environ["CELERY_BROKER_KEY_PREFIX"] = key_prefix
            os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
            sys.path.insert(0, str(REPOSITORY))
            from operations.embedded.var_folder import var_folder_prepare

            var_folder_prepare(Path(var_dir))
            import django

            django.setup()
            for _ in range(arguments.runs):
                for tickets, experts in sizes:
                    recreate_database(server)
                    rates[(tickets, experts)].append(run(tickets=tickets, experts=experts))
                    close_connections()
    finally:
        close_connections()
        recreate_database(server, drop_only=True)
        store = redis.Redis.from_url(broker)
        for key in store.scan_iter(match=f"{key_prefix}*"):
            store.delete(key)
    medians = {size: statistics.median(rates[size]) for size in sizes}
    print()
    for (tickets, experts), median in medians.items():
        runs = ", ".join(f"{rate:.0f}" for rate in rates[(tickets, experts)])
        print(f"{tickets:,} tickets, {experts:,} experts: median {median:.0f}/s ({runs})")
    if len(sizes) > 1:
        print(f"rate at {sizes[-1][0]:,} ÷ rate at {sizes[0][0]:,}: ", end="")
        print(f"{medians[sizes[-1]] / medians[sizes[0]]:.2f} (medians)")


def close_connections() -> None:
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux counts KiB


def run(*, tickets: int, experts: int) -> float:
    from django.core.management import call_command
    from django.db import connections

    from ticketing.jobs import tickets_assign
    from ticketing.models import Assignment

    call_command("migrate", database="ticketing", verbosity=0)
    # Enough places for every ticket, so the figure is the job's speed, not a shortage of experts.
    capacity = -(-tickets * 3 // experts)
    with connections["ticketing"].cursor() as cursor:
        fill(cursor, tickets=tickets, experts=experts, capacity=capacity)
    before = peak_rss_mib()

    started = time.perf_counter()
    outcome = tickets_assign()
    seconds = time.perf_counter() - started

    if Assignment.objects.count() != outcome.assigned:
        raise SystemExit("the job's summary does not match the assignments stored")
    rate = outcome.assigned / seconds
    print(f"{tickets:,} queued tickets, {experts:,} experts (capacity {capacity} each): {outcome}")
    print(
        f"  assigned {outcome.assigned:,} in {seconds:.1f} s: {rate:.0f} tickets assigned per "
        f"second; peak resident memory {before:.0f} MiB before the run, {peak_rss_mib():.0f} MiB "
        "after it",
        flush=True,
    )
    return rate


def fill(cursor, *, tickets: int, experts: int, capacity: int) -> None:
    """Experts first: the first ones, one per device and region, make sure every ticket has
    somebody; the others repair three devices each. Tickets of random priority, device and region,
    submitted within the last day."""
    from message_contracts.tickets import DeviceCategory, Priority

    categories, priorities = list(DeviceCategory), list(Priority)
    cursor.execute("SELECT setseed(0.5)")  # repeatable demo data, not security
    cursor.execute(
        """
        INSERT INTO ticketing_expert
            (user_id, name, phone, skills, region, available, capacity, open_assignments)
        SELECT n, 'Expert ' || n, '',
               CASE WHEN n < %(single)s THEN jsonb_build_array(category[1 + n %% %(kinds)s])
                    ELSE jsonb_build_array(category[1 + (n * 5) %% %(kinds)s],
                                           category[1 + (n * 5 + 1) %% %(kinds)s],
                                           category[1 + (n * 5 + 2) %% %(kinds)s]) END,
               'Region ' || (n / %(kinds)s) %% %(regions)s, true, %(capacity)s, 0
        FROM generate_series(0, %(experts)s - 1) AS n, (SELECT %(categories)s::text[]) AS c(category)
        """,
        {
            "single": len(categories) * REGIONS,
            "kinds": len(categories),
            "regions": REGIONS,
            "capacity": capacity,
            "experts": experts,
            "categories": categories,
        },
    )
    cursor.execute(
        """
        INSERT INTO ticketing_ticket
            (id, customer_id, customer_name, customer_region, title, description, device_category,
             priority, status, status_sequence, submitted_at, received_at)
        SELECT gen_random_uuid(), n, 'Customer ' || n,
               'Region ' || floor(random() * %(regions)s)::int, 'Ticket ' || n, '',
               category[1 + floor(random() * %(kinds)s)::int],
               priority[1 + floor(random() * %(levels)s)::int], 'new', 0,
               now() - random() * interval '1 day', now()
        FROM generate_series(0, %(tickets)s - 1) AS n,
             (SELECT %(categories)s::text[], %(priorities)s::text[]) AS c(category, priority)
        """,
        {
            "regions": REGIONS,
            "kinds": len(categories),
            "levels": len(priorities),
            "tickets": tickets,
            "categories": categories,
            "priorities": priorities,
        },
    )
    cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
