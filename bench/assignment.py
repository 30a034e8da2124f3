"""Benchmark of the assignment job on PostgreSQL: 10,000 queued tickets, 1,000 experts.

Not a test: it measures. It creates a throwaway database `sysops_bench_assignment_ticketing` on the
server of BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432; the job touches no other
database), runs one assignment run handing its status messages to the Redis of BENCH_REDIS_URL
(default redis://127.0.0.1:6379/0) under a key prefix of its own, prints tickets assigned per
second, then drops the database and the keys.

    .venv/bin/python bench/assignment.py [--tickets 10000] [--experts 1000]
"""

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import redis

REPOSITORY = Path(__file__).resolve().parents[1]
ALIASES = ("default", "customer", "billing", "ticketing", "analytics", "notifications")
REGIONS = [f"Region {n}" for n in range(10)]


def database_variable(alias: str) -> str:
    return "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"


def database_name(alias: str) -> str:
    return f"sysops_bench_assignment_{alias}"


def recreate_database(server: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database_name("ticketing")}"')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{database_name("ticketing")}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--experts", type=int, default=1_000)
    arguments = parser.parse_args()
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    broker = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    key_prefix = f"sysops-bench-{uuid.uuid4().hex[:8]}:"

    recreate_database(server)
    try:
        with tempfile.TemporaryDirectory(prefix="sysops-bench-") as var_dir:
            for alias in ALIASES:
                os.environ[database_variable(alias)] = f"{server}/{database_name(alias)}"
            os.environ["SYSOPS_VAR_DIR"] = var_dir
            os.environ.pop(
                "CELERY_BROKER_URL", None
            )  # the embedded broker, in the temporary folder
            os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
            sys.path.insert(0, str(REPOSITORY))
            from operations.embedded.var_folder import var_folder_prepare

            var_folder_prepare(Path(var_dir))
            run(tickets=arguments.tickets, experts=arguments.experts)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(server, drop_only=True)
        store = redis.Redis.from_url(broker)
        for key in store.scan_iter(match=f"{key_prefix}*"):
            store.delete(key)


def run(*, tickets: int, experts: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from message_contracts.tickets import DeviceCategory, Priority
    from ticketing.jobs import tickets_assign
    from ticketing.models import Assignment, Expert, Ticket

    call_command("migrate", database="ticketing", verbosity=0)
    rng = random.Random(5)  # noqa: S311 - repeatable demo data, not security
    categories = list(DeviceCategory)
    # Enough places for every ticket, so the figure is the job's speed, not a shortage of experts.
    capacity = -(-tickets * 3 // experts)
    Expert.objects.bulk_create(
        Expert(
            user_id=n,
            name=f"Expert {n}",
            skills=rng.sample(categories, 3)
            if n >= len(categories) * len(REGIONS)
            # the first ones make sure every device is repaired in every region
            else [categories[n % len(categories)]],
            region=REGIONS[(n // len(categories)) % len(REGIONS)],
            capacity=capacity,
        )
        for n in range(experts)
    )
    now = timezone.now()
    Ticket.objects.bulk_create(
        (
            Ticket(
                id=uuid.uuid4(),
                customer_id=n,
                customer_name=f"Customer {n}",
                customer_region=rng.choice(REGIONS),
                title=f"Ticket {n}",
                device_category=rng.choice(categories),
                priority=rng.choice(list(Priority)),
                submitted_at=now - timedelta(seconds=rng.randrange(86_400)),
            )
            for n in range(tickets)
        ),
        batch_size=2_000,
    )

    started = time.perf_counter()
    outcome = tickets_assign()
    seconds = time.perf_counter() - started

    if Assignment.objects.count() != outcome.assigned:
        raise SystemExit("the job's summary does not match the assignments stored")
    print(f"{tickets} queued tickets, {experts} experts (capacity {capacity} each): {outcome}")
    print(
        f"assigned {outcome.assigned} in {seconds:.1f} s: "
        f"{outcome.assigned / seconds:.0f} tickets assigned per second"
    )


if __name__ == "__main__":
    main()
