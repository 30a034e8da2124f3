"""Benchmark of the monthly Payment job (not a test): bills a generated month on billing worker
processes, with the simulated provider taking its time to answer, and prints invoices per second
with one billing worker and with two, the whole month's time, and the CPU each invoice costs.

    .venv/bin/python bench/payment_job.py --accounts 20000
    .venv/bin/python bench/payment_job.py --accounts 1000000

It starts a PostgreSQL server and a redis-server of its own (a temporary folder, free ports),
removed afterwards, so the machine's shared servers neither slow it nor are filled by it: each
invoice leaves two messages queued for receivers that do not run here.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg

REPOSITORY = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALIASES = ("default", "customer", "billing", "ticketing", "analytics", "notifications")
PERIOD = "2026-10"
# Before PERIOD, so every account's plan covers the month billed.
PLAN_STARTED_AT = datetime(2026, 9, 1, tzinfo=UTC)
CARD_NUMBER = "4242424242424242"
START_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.5
REPORT_EVERY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, what: str, timeout: float | None = None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while not condition():
        if deadline is not None and time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting: {what}")
        time.sleep(POLL_SECONDS)


def as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def postgres_start(folder: Path, stack: ExitStack) -> tuple[str, psutil.Process]:
    """A server of the benchmark's own, allowing a connection per charging thread of each worker."""
    # The server's own programs: Debian keeps initdb and postgres off the PATH, pg_config knows.
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        raise SystemExit("pg_config is not on the PATH: install PostgreSQL's server package")
    found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)  # noqa: S603 - found on the PATH above
    bindir = Path(found.stdout.strip())
    data = folder / "postgres"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
    subprocess.run(  # noqa: S603 - the machine's PostgreSQL binaries, arguments built here
        as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - the machine's PostgreSQL binaries, arguments built here
        as_postgres(
            [
                str(bindir / "postgres"),
                *("-D", str(data), "-p", str(port), "-k", str(data)),
                *("-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"),
                *("-c", "shared_buffers=512MB"),
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=(folder / "postgres.log").open("w"),
    )
    url = f"postgres://postgres@127.0.0.1:{port}"

    def answers() -> bool:
        try:
            psycopg.connect(f"{url}/postgres").close()
        except psycopg.OperationalError:
            return False
        return True

    wait_for(answers, what="PostgreSQL answers", timeout=START_TIMEOUT_SECONDS)
    # The postmaster, whose reaped children's CPU it counts as its own.
    postmaster = psutil.Process(server.pid)
    while postmaster.name() != "postgres":
        postmaster = postmaster.children()[0]
    stack.callback(server.wait, timeout=60)
    # A fast shutdown: a smart one would wait for the workers' connections to end.
    stack.callback(postmaster.send_signal, signal.SIGINT)
    return url, postmaster


def redis_start(folder: Path, stack: ExitStack) -> tuple[str, psutil.Process]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own venv's redis-server
        [
            str(BIN / "redis-server"),
            *f"--port {port} --bind 127.0.0.1 --save '' --appendonly no".split(),
            *("--dir", str(folder)),
        ],
        stdout=(folder / "redis.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    stack.callback(server.wait, timeout=60)
    stack.callback(server.terminate)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except redis.ConnectionError:
            return False

    wait_for(answers, what="redis-server answers", timeout=START_TIMEOUT_SECONDS)
    return url, psutil.Process(server.pid)


def databases_create(server: str) -> dict[str, str]:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        for alias in ALIASES:
            connection.execute(f'CREATE DATABASE "sysops_bench_{alias}"')
    return {
        ("DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"): (
            f"{server}/sysops_bench_{alias}"
        )
        for alias in ALIASES
    }


def population_create(accounts: int) -> None:
    """Billing accounts with a plan and an active card, as registration leaves them, written by
    two set-based statements (one encryption reused: the job decrypts each card anyway)."""
    from django.db import connections
    from django.utils import timezone

    from billing_quantum.card_keys import card_number_encrypt

    key_id, ciphertext = card_number_encrypt(CARD_NUMBER)
    with connections["billing"].cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_quantum_billingaccount (customer_id, customer_name, customer_email,
                contract_code, monthly_price, currency, plan_chosen_at, plan_started_at, created_at)
            SELECT n, 'Customer ' || n, 'customer' || n || '@example.com', 'premium', 29.90, 'EUR',
                %(started)s, %(started)s, now()
            FROM generate_series(1, %(accounts)s) AS n
            """,
            {"started": PLAN_STARTED_AT, "accounts": accounts},
        )
        cursor.execute(
            """
            INSERT INTO billing_quantum_card (card_id, account_id, brand, last4, expiry_month,
                expiry_year, holder_name, number_ciphertext, key_id, status, rejection_reason,
                registered_at, stored_at)
            SELECT gen_random_uuid(), id, 'Visa', %(last4)s, 12, %(year)s, customer_name,
                %(ciphertext)s, %(key_id)s, 'active', '', now(), now()
            FROM billing_quantum_billingaccount
            """,
            {
                "last4": CARD_NUMBER[-4:],
                "year": timezone.now().year + 3,
                "ciphertext": ciphertext,
                "key_id": key_id,
            },
        )
        cursor.execute("ANALYZE")


def cpu_seconds(
    process: psutil.Process, *, reaped_children: bool = False, children: bool = True
) -> float:
    """CPU used by a process and its live children (and, for a server that forks a process per
    connection, the children that have exited)."""
    total = 0.0
    for member in [process, *(process.children(recursive=True) if children else [])]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
        if reaped_children and member is process:
            total += times.children_user + times.children_system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument(
        "--latency", type=float, default=0.3, help="the provider's answer time, seconds"
    )
    parser.add_argument(
        "--concurrent-charges", type=int, default=64, help="charging threads per worker process"
    )
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument(
        "--compare-invoices",
        type=int,
        help="invoices timed with one worker, then with two (default: a fifth, at most 10,000)",
    )
    options = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each figure as it comes, also into a file
    # Stopped by a signal, it still stops its servers and workers and removes its folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    compare = options.compare_invoices or min(options.accounts // 5, 10_000)
    if 2 * compare >= options.accounts:
        parser.error("--compare-invoices must be under half of --accounts")

    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="sysops-bench-payment-"))
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        postgres_url, postmaster = postgres_start(folder, stack)
        redis_url, redis_server = redis_start(folder, stack)
        month_bill(
            options,
            compare,
            Servers(folder, stack, postgres_url, postmaster, redis_url, redis_server),
        )


@dataclass(frozen=True)
class Servers:
    folder: Path
    stack: ExitStack  # what stops them, and the workers, at the end
    postgres_url: str
    postmaster: psutil.Process
    redis_url: str
    redis_server: psutil.Process


def month_bill(options: argparse.Namespace, compare: int, servers: Servers) -> None:
    folder, stack = servers.folder, servers.stack
    os.environ.update(databases_create(servers.postgres_url))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL=servers.redis_url,
        SYSOPS_VAR_DIR=str(folder / "var"),
        PAYMENT_PROVIDER_LATENCY_SECONDS=str(options.latency),
        PAYMENT_JOB_CONCURRENT_CHARGES=str(options.concurrent_charges),
        PAYMENT_JOB_CHUNK_SIZE=str(options.chunk_size),
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(REPOSITORY))
    from billing_quantum.card_keys import BILLING_ENV_FILE, card_keys_embedded
    from operations.embedded.var_folder import var_folder_prepare

    var_folder_prepare(folder / "var")

    keys_file = folder / "var" / "keys" / BILLING_ENV_FILE
    card_keys_embedded(folder / "var" / "keys")
    # The population is encrypted here with billing's at-rest key; the planning needs no key.
    os.environ["BILLING_CARD_KEYS_FILE"] = str(keys_file)
    import django

    django.setup()
    del os.environ["BILLING_CARD_KEYS_FILE"]
    from celery import current_app
    from django.core.management import call_command
    from django.utils import timezone

    from billing_quantum.jobs import payment_run_plan
    from billing_quantum.models import InvoiceCounter, PaymentRun

    call_command("migrate_all_databases", verbosity=0)
    started = time.monotonic()
    population_create(options.accounts)
    print(f"population: {options.accounts} accounts in {time.monotonic() - started:.1f}s")

    year = timezone.localdate().year

    def issued() -> int:
        counter = InvoiceCounter.objects.filter(year=year).first()
        return counter.last_sequence if counter else 0

    workers: list[psutil.Process] = []

    def worker_start(number: int) -> None:
        name = f"bench-billing-{number}@{socket.gethostname()}"
        process = subprocess.Popen(  # noqa: S603 - our own venv's celery, arguments built here
            [
                str(BIN / "celery"),
                *("-A", "config", "--quiet", "worker", "--queues", "billing"),
                *("--concurrency", "1"),
                *("--loglevel", "WARNING", "--hostname", name),
            ],
            cwd=REPOSITORY,
            env={
                **os.environ,
                "BILLING_CARD_KEYS_FILE": str(keys_file),
                "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges",
            },
        )
        stack.callback(process.wait, timeout=60)
        stack.callback(process.terminate)
        wait_for(
            lambda: bool(current_app.control.ping(destination=[name], timeout=1)),
            what=f"{name} answers",
            timeout=START_TIMEOUT_SECONDS,
        )
        workers.append(psutil.Process(process.pid))

    def rate_over(invoices: int) -> tuple[int, float]:
        first, since = issued(), time.monotonic()
        wait_for(lambda: issued() >= first + invoices, what=f"{invoices} more invoices")
        return issued() - first, time.monotonic() - since

    def cpu_now() -> dict[str, float]:
        return {
            "workers": sum(cpu_seconds(worker) for worker in workers),
            "PostgreSQL": cpu_seconds(servers.postmaster, reaped_children=True),
            "Redis": cpu_seconds(servers.redis_server),
            # Not its children: the servers and workers, counted above.
            "this process (planning, polling)": cpu_seconds(psutil.Process(), children=False),
        }

    worker_start(1)
    machine_before, cpu_before = psutil.cpu_times(), cpu_now()
    started = time.monotonic()
    planned = payment_run_plan(period=PERIOD)
    print(f"{planned} in {time.monotonic() - started:.1f}s")
    wait_for(lambda: issued() > 0, what="the first invoice")
    one_count, one_seconds = rate_over(compare)
    one_rate = one_count / one_seconds
    print(f"one billing worker: {one_count} invoices in {one_seconds:.1f}s = {one_rate:.0f}/s")
    with_one_worker = issued()
    worker_start(2)
    two_count, two_seconds = rate_over(compare)
    two_rate = two_count / two_seconds
    print(
        f"two billing workers: {two_count} invoices in {two_seconds:.1f}s = {two_rate:.0f}/s, "
        f"{two_rate / one_rate:.2f} x one worker"
    )
    reported = time.monotonic()
    run = PaymentRun.objects.get(pk=planned.run.pk)
    while run.finished_at is None:
        time.sleep(POLL_SECONDS)
        run.refresh_from_db()
        if time.monotonic() - reported > REPORT_EVERY_SECONDS:
            reported, done = time.monotonic(), issued()
            print(
                f"  {done} invoices after {reported - started:.0f}s, "
                f"{done / (reported - started):.0f}/s so far",
                flush=True,
            )
    seconds = time.monotonic() - started
    invoices = issued()
    cpu_after, machine_after = cpu_now(), psutil.cpu_times()
    print(
        f"whole month: {invoices} invoices in {seconds:.1f}s = {invoices / seconds:.0f}/s "
        f"(from the plan to its last chunk: one worker for the first {with_one_worker}, then two)"
    )
    spent = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
    per_invoice = sum(spent.values()) / invoices
    print(
        f"CPU per invoice: {per_invoice * 1000:.2f} ms ("
        + ", ".join(f"{part} {value / invoices * 1000:.2f} ms" for part, value in spent.items())
        + f"): at most {psutil.cpu_count() / per_invoice:.0f} invoices/s on "
        f"{psutil.cpu_count()} CPUs if nothing else ran"
    )
    busy = sum(
        getattr(machine_after, field) - getattr(machine_before, field)
        for field in ("user", "system", "nice", "irq", "softirq", "steal")
    )
    print(
        f"machine: {busy / seconds:.2f} of {psutil.cpu_count()} CPUs busy during the month, "
        f"{sum(spent.values()) / seconds:.2f} of them this benchmark's processes"
    )
    print(f"1,000,000 accounts at this rate: {1_000_000 / (invoices / seconds) / 60:.0f} minutes")


if __name__ == "__main__":
    main()
