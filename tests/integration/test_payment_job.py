"""The monthly Payment job on PostgreSQL with real processes: two plans of a month at once, a
billing worker killed mid-chunk and another taking its chunk up, and a customer worker down while
invoices are issued. Whatever happens, every account is charged once and every invoice reaches the
customer quantum once."""

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from billing_quantum.jobs import previous_period
from billing_quantum.models import (
    Invoice,
    Payment,
    PaymentChunk,
    PaymentRun,
    SimulatedProviderCharge,
)
from customer_quantum.models import Invoice as ReceivedInvoice
from messaging.models import InboxMessage, OutboxMessage
from tests.integration.billing import PERIOD, billing_worker, customers_to_bill, payment_job
from tests.integration.conftest import remember_processes
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.processes import ManagedProcess, stop_all, wait_until
from tests.integration.servers import broker_dump, delete_keys_with_prefix
from tests.integration.system import (
    REPOSITORY,
    StartSystem,
    billing_card_keys,
    system_environment,
    venv_command,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

JOB_TIMEOUT_SECONDS = 120
DELIVERY_TIMEOUT_SECONDS = 60


@pytest.fixture
def job_env(session_key_prefix: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """What a job process and billing's workers need: the test databases, billing's card keys, a
    broker key prefix of their own (the messages billing publishes are cleaned up, no receiver
    takes them here), and chunks small enough that a month of a few hundred accounts has several."""
    prefix = f"{session_key_prefix}{uuid.uuid4().hex[:8]}:"
    yield system_environment(
        broker_url=settings.CELERY_BROKER_URL,
        broker_key_prefix=prefix,
        var_dir=tmp_path / "var",
        overrides={
            **billing_card_keys(),
            "PAYMENT_PROVIDER_LATENCY_SECONDS": "0.005",
            "PAYMENT_JOB_CHUNK_SIZE": "100",
        },
    )
    delete_keys_with_prefix(settings.CELERY_BROKER_URL, prefix)


@pytest.fixture
def start_billing_worker(
    request: pytest.FixtureRequest, django_db_setup: None, job_env, tmp_path: Path
) -> Iterator[Callable[..., ManagedProcess]]:
    """Starts a billing worker, on `job_env` unless given another, and waits until it is ready;
    each is stopped after the test, before the databases it is connected to are dropped."""
    started: list[ManagedProcess] = []

    def start(name: str, *, env: dict[str, str] | None = None) -> ManagedProcess:
        worker = billing_worker(name, env=env or job_env, workdir=tmp_path)
        remember_processes(request, worker)
        started.append(worker)
        worker.start().wait_for_log(" ready.", timeout=JOB_TIMEOUT_SECONDS)
        return worker

    yield start
    stop_all(started)


def run_payment_job(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as an operator runs it, to its exit."""
    return subprocess.run(
        [*venv_command("python", "manage.py"), "run_payment_job", *arguments],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT_SECONDS,
        check=False,
    )


def invoiced_customers() -> list[int]:
    """The customer behind each invoice issued: an account charged twice would be named twice."""
    return list(Invoice.objects.values_list("account__customer_id", flat=True))


def assert_every_account_charged_once(count: int) -> None:
    assert Payment.objects.filter(status="charged").count() == count
    assert Payment.objects.count() == count
    # One request charged at the provider per account: a second charge would be a second key.
    assert SimulatedProviderCharge.objects.count() == count
    assert SimulatedProviderCharge.objects.filter(approved=True).count() == count
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, count + 1))
    assert OutboxMessage.objects.using("billing").filter(type="InvoiceIssued").count() == count


@pytest.mark.fault("two runs of one periodic job at once")
def test_two_plans_at_once_bill_the_month_once_on_two_workers(
    request, job_env, tmp_path, start_billing_worker, fault_report: FaultReport
) -> None:
    fault_report.watch(sent=customers_to_bill(400), applied=invoiced_customers)
    workers = [start_billing_worker(f"billing-{n}") for n in (1, 2)]
    jobs = [payment_job(f"job-{n}", env=job_env, workdir=tmp_path) for n in (1, 2)]
    remember_processes(request, *jobs)

    for job in jobs:
        job.start()
    exit_codes = [job.wait_for_exit(timeout=JOB_TIMEOUT_SECONDS) for job in jobs]

    assert exit_codes == [0, 0], [job.log_tail() for job in jobs]
    assert fault_report.count() == FaultCounts(sent=400, applied=400, lost=0, duplicated=0)
    assert_every_account_charged_once(400)
    # One plan made the run; the other joined it and queued nothing again.
    assert PaymentRun.objects.count() == 1
    assert PaymentChunk.objects.count() == 4
    assert set(PaymentChunk.objects.values_list("deliveries", flat=True)) == {1}
    logs = [job.log() for job in jobs]
    assert sum("planned 400 account(s) in 4 chunk(s)" in log for log in logs) == 1
    for log in logs:
        assert f"{PERIOD}: 400 charged, 0 declined, 0 failed (no answer)" in log
    # Both workers billed chunks of the month.
    assert all("billing.bill_payment_chunk" in worker.log() for worker in workers)


@pytest.mark.fault("billing worker killed mid-run of the Payment job")
def test_a_billing_worker_killed_mid_chunk_leaves_it_to_the_next_worker(
    job_env, start_billing_worker, fault_report: FaultReport
) -> None:
    fault_report.watch(sent=customers_to_bill(600), applied=invoiced_customers)
    # Slow enough that the kill lands inside a chunk: 4 charges at a time, 200 ms each, so a chunk
    # of 100 takes 5 s. With 50 ms each, a check delayed on a busy machine once saw its accounts
    # charged only after the chunk had finished, and the kill landed between two chunks.
    slow = {**job_env, "PAYMENT_PROVIDER_LATENCY_SECONDS": "0.2"}
    slow["PAYMENT_JOB_CONCURRENT_CHARGES"] = "4"
    killed = start_billing_worker("killed-worker", env=slow)
    plan = run_payment_job(job_env, "--period", PERIOD)
    assert plan.returncode == 0, plan.stderr
    # A chunk of 100 is one batch of charges (BATCH_SIZE is 200), its payments settled together
    # and the chunk marked finished right after: seen in progress with its accounts charged, the
    # first chunk was once finished by the time of the kill. So the kill waits for the second
    # chunk, which has seconds to go once the first is finished.
    wait_until(
        lambda: (
            PaymentChunk.objects.filter(finished_at__isnull=False).exists()
            and PaymentChunk.objects.filter(
                started_at__isnull=False, finished_at__isnull=True
            ).exists()
        ),
        timeout=JOB_TIMEOUT_SECONDS,
        what="the worker is inside its second chunk, the first one's accounts charged",
    )
    killed.kill()
    assert Payment.objects.filter(status="charged").count() < 600
    assert PaymentChunk.objects.filter(started_at__isnull=False, finished_at__isnull=True).exists()

    # A new worker of the queue puts back the chunk the killed one held, and bills the rest.
    start_billing_worker("taking-over-worker")
    wait_until(
        lambda: PaymentRun.objects.filter(finished_at__isnull=False).exists(),
        timeout=JOB_TIMEOUT_SECONDS,
        what="the month's run has finished",
    )

    assert fault_report.count() == FaultCounts(sent=600, applied=600, lost=0, duplicated=0)
    assert_every_account_charged_once(600)
    assert PaymentChunk.objects.filter(deliveries=2).count() == 1
    assert not PaymentChunk.objects.exclude(error="").exists()


@pytest.mark.fault("customer worker down while invoices are issued")
def test_invoices_issued_while_the_customer_worker_is_down_arrive_once_it_is_back(
    start_system: StartSystem, fault_report: FaultReport
) -> None:
    system = start_system(quanta=("customer", "billing"))
    customer_worker = system.workers["customer"]
    customer_worker.stop()
    customers_to_bill(50)

    # Planning opens no card: the command needs no card key, billing's worker bills the month.
    run = system.manage("run_payment_job", "--period", PERIOD, "--wait")

    assert run.returncode == 0, run.stderr
    assert Invoice.objects.count() == 50
    fault_report.watch(
        sent=Invoice.objects.values_list("number", flat=True),
        applied=lambda: ReceivedInvoice.objects.values_list("number", flat=True),
        inbox=InboxMessage.objects.using("customer").filter(type="InvoiceIssued"),
    )
    prefix = system.setting("CELERY_BROKER_KEY_PREFIX")
    wait_until(
        lambda: broker_dump(settings.CELERY_BROKER_URL, prefix).count('"InvoiceIssued"') == 50,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="every invoice waits in the broker",
    )
    assert ReceivedInvoice.objects.count() == 0

    customer_worker.start()
    customer_worker.wait_for_log(" ready.", timeout=DELIVERY_TIMEOUT_SECONDS)

    wait_until(
        lambda: ReceivedInvoice.objects.count() == 50,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the customer quantum has stored every invoice",
    )
    assert fault_report.count() == FaultCounts(sent=50, applied=50, lost=0, duplicated=0)
    assert set(ReceivedInvoice.objects.values_list("number", flat=True)) == set(
        Invoice.objects.values_list("number", flat=True)
    )
    received = InboxMessage.objects.using("customer").filter(type="InvoiceIssued")
    assert received.count() == received.filter(applied_at__isnull=False).count() == 50


@pytest.mark.parametrize(
    ("arguments", "refusal"),
    [
        (
            ["--period", "2026-13"],
            "period '2026-13' is not a month written YYYY-MM, e.g. 2026-11",
        ),
        (
            ["--period", "2099-01", "--dry-run"],
            f"period 2099-01 has not ended yet: bill a month once it is over, "
            f"the latest is {previous_period(timezone.localdate())}",
        ),
    ],
)
def test_a_bad_period_exits_non_zero_with_one_line_and_writes_nothing(
    job_env, arguments, refusal
) -> None:
    customers_to_bill(3)

    run = run_payment_job(job_env, *arguments)

    assert run.returncode != 0
    assert run.stderr.strip().splitlines() == [f"CommandError: {refusal}"]
    assert Payment.objects.count() == OutboxMessage.objects.using("billing").count() == 0
