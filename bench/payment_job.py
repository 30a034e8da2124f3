"""Benchmark of the monthly Payment job (not a test): bills a generated population on throwaway
PostgreSQL databases and measures invoices issued per second, and how long until every invoice is
stored by the customer quantum, delivered by real customer Celery workers over Redis.

    .venv/bin/python bench/payment_job.py --accounts 100000 --customer-workers 2

It creates (and afterwards drops) the databases `sysops_bench_<alias>` on --postgres, and uses Redis
under a key prefix of its own, deleted afterwards. The simulated provider answers at once.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import redis

REPOSITORY = Path(__file__).resolve().parents[1]
ALIASES = ("default", "customer", "billing", "ticketing", "analytics", "notifications")
PERIOD = "2026-10"
# Before PERIOD, so every account's plan covers the month billed.
PLAN_STARTED_AT = datetime(2026, 9, 1, tzinfo=UTC)
CARD_NUMBER = "4242424242424242"


def database_url_variable(alias: str) -> str:
    return "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"


def databases_create(server: str) -> dict[str, str]:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        for alias in ALIASES:
            connection.execute(f'DROP DATABASE IF EXISTS "sysops_bench_{alias}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "sysops_bench_{alias}"')
    return {database_url_variable(alias): f"{server}/sysops_bench_{alias}" for alias in ALIASES}


def databases_drop(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        for alias in ALIASES:
            connection.execute(f'DROP DATABASE IF EXISTS "sysops_bench_{alias}" WITH (FORCE)')


def population_create(accounts: int) -> None:
    """Customers in the customer quantum, and their billing accounts with a plan and an active
    card, as registration leaves them (one encryption reused: the job decrypts each card anyway)."""
    from django.utils import timezone

    from billing_quantum.card_keys import card_number_encrypt
    from billing_quantum.models import BillingAccount, Card, CardStatus
    from customer_quantum.models import Customer

    key_id, ciphertext = card_number_encrypt(CARD_NUMBER)
    now = timezone.now()
    for start in range(0, accounts, 5000):
        numbers = range(start, min(start + 5000, accounts))
        customers = Customer.objects.bulk_create(
            Customer(user_id=n + 1, name=f"Customer {n}", email=f"customer{n}@example.com")
            for n in numbers
        )
        billing_accounts = BillingAccount.objects.bulk_create(
            BillingAccount(
                customer_id=customer.id,
                customer_name=customer.name,
                customer_email=customer.email,
                contract_code="premium",
                monthly_price=Decimal("29.90"),
                currency="EUR",
                plan_chosen_at=PLAN_STARTED_AT,
                plan_started_at=PLAN_STARTED_AT,
            )
            for customer in customers
        )
        Card.objects.bulk_create(
            Card(
                card_id=uuid.uuid4(),
                account=account,
                brand="Visa",
                last4=CARD_NUMBER[-4:],
                expiry_month=12,
                expiry_year=now.year + 3,
                holder_name=account.customer_name,
                number_ciphertext=ciphertext,
                key_id=key_id,
                status=CardStatus.ACTIVE,
                registered_at=now,
            )
            for account in billing_accounts
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument(
        "--customer-workers", type=int, default=2, help="worker processes; 0 times the job alone"
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    options = parser.parse_args()

    prefix = f"sysops-bench-{uuid.uuid4().hex[:8]}:"
    var_dir = REPOSITORY / "var" / "bench"
    os.environ.update(databases_create(options.postgres))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL=options.redis,
        CELERY_BROKER_KEY_PREFIX=prefix,
        SYSOPS_VAR_DIR=str(var_dir),
        PAYMENT_PROVIDER_LATENCY_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(REPOSITORY))
    from billing_quantum.card_keys import BILLING_ENV_FILE, card_keys_embedded
    from operations.embedded.var_folder import var_folder_prepare

    var_folder_prepare(var_dir)

    # The job runs here as billing's command runs on billing's worker host, so this process reads
    # billing's card keys; the customer workers it starts are not given them.
    card_keys_embedded(var_dir / "keys")
    os.environ["BILLING_CARD_KEYS_FILE"] = str(var_dir / "keys" / BILLING_ENV_FILE)
    import django

    django.setup()
    del os.environ["BILLING_CARD_KEYS_FILE"]
    from django.core.management import call_command

    from billing_quantum.jobs import payment_job_run
    from customer_quantum.models import Invoice as ReceivedInvoice

    workers: list[subprocess.Popen] = []
    try:
        call_command("migrate_all_databases", verbosity=0)
        started = time.monotonic()
        population_create(options.accounts)
        print(f"population: {options.accounts} accounts in {time.monotonic() - started:.1f}s")

        # The customer workers run throughout, as in production: they take invoices as they come.
        workers = [
            subprocess.Popen(  # noqa: S603 - our own venv's celery, arguments built here
                [
                    str(Path(sys.executable).parent / "celery"),
                    *("-A", "config", "worker", "--queues", "customer", "--concurrency", "1"),
                    *("--loglevel", "WARNING", f"--hostname=bench-customer-{n}-{prefix}@%h"),
                ],
                cwd=REPOSITORY,
                env=os.environ,
            )
            for n in range(options.customer_workers)
        ]
        started = time.monotonic()
        summary = payment_job_run(period=PERIOD, show_progress=True)
        job_seconds = time.monotonic() - started
        invoices = summary.counts["charged"]
        print(summary)
        print(f"job: {invoices} invoices in {job_seconds:.1f}s = {invoices / job_seconds:.0f}/s")

        if not workers:
            return
        while (received := ReceivedInvoice.objects.count()) < invoices:
            if any(worker.poll() is not None for worker in workers):
                raise SystemExit("a customer worker exited")
            time.sleep(1)
        delivered_seconds = time.monotonic() - started
        print(
            f"delivery: all {received} invoices stored by the customer quantum "
            f"{delivered_seconds:.1f}s after the job started "
            f"({delivered_seconds - job_seconds:.1f}s after it ended), "
            f"{received / delivered_seconds:.0f}/s end to end "
            f"with {options.customer_workers} customer worker(s)"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        client = redis.Redis.from_url(options.redis)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        from django.db import connections

        connections.close_all()
        if not options.keep:
            databases_drop(options.postgres)


if __name__ == "__main__":
    main()
