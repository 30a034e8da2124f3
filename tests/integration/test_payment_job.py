"""The monthly Payment job on PostgreSQL with real processes: two runs at once, a run killed
mid-way and run again, and a customer worker down while invoices are issued. Whatever happens, every
account is charged once and every invoice reaches the customer quantum once."""

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from billing_quantum.jobs import previous_period
from billing_quantum.models import Invoice, OutboxMessage, Payment, SimulatedProviderCharge
from customer_quantum.models import InboxMessage
from customer_quantum.models import Invoice as ReceivedInvoice
from tests.integration.billing import PERIOD, customers_to_bill, payment_job
from tests.integration.conftest import remember_processes
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.processes import wait_until
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
    """What a job process needs: the test databases, billing's card keys, a broker key prefix of
    its own (the messages it publishes are cleaned up, no worker takes them here)."""
    prefix = f"{session_key_prefix}{uuid.uuid4().hex[:8]}:"
    yield system_environment(
        broker_url=settings.CELERY_BROKER_URL,
        broker_key_prefix=prefix,
        var_dir=tmp_path / "var",
        overrides={**billing_card_keys(), "PAYMENT_PROVIDER_LATENCY_SECONDS": "0.005"},
    )
    delete_keys_with_prefix(settings.CELERY_BROKER_URL, prefix)


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
    assert OutboxMessage.objects.filter(type="InvoiceIssued").count() == count


@pytest.mark.fault("two runs of one periodic job at once")
def test_two_jobs_at_once_charge_every_account_once(
    request, job_env, tmp_path, fault_report: FaultReport
) -> None:
    fault_report.watch(sent=customers_to_bill(400), applied=invoiced_customers)
    jobs = [payment_job(f"job-{n}", env=job_env, workdir=tmp_path) for n in (1, 2)]
    remember_processes(request, *jobs)

    for job in jobs:
        job.start()
    exit_codes = [job.wait_for_exit(timeout=JOB_TIMEOUT_SECONDS) for job in jobs]

    assert exit_codes == [0, 0], [job.log_tail() for job in jobs]
    assert fault_report.count() == FaultCounts(sent=400, applied=400, lost=0, duplicated=0)
    assert_every_account_charged_once(400)
    charged = [int(job.log().split(f"{PERIOD}: ")[-1].split(" charged")[0]) for job in jobs]
    assert sum(charged) == 400


@pytest.mark.fault("Payment job killed mid-run")
def test_a_job_killed_mid_run_and_run_again_charges_every_account_once(
    request, job_env, tmp_path, fault_report: FaultReport
) -> None:
    fault_report.watch(sent=customers_to_bill(600), applied=invoiced_customers)
    killed = payment_job("killed-job", env=job_env, workdir=tmp_path)
    remember_processes(request, killed)

    killed.start()
    wait_until(
        lambda: Payment.objects.filter(status="charged").exists(),
        timeout=JOB_TIMEOUT_SECONDS,
        what="the job has charged some accounts",
    )
    killed.kill()
    assert Payment.objects.filter(status="charged").count() < 600

    resumed = payment_job("resumed-job", env=job_env, workdir=tmp_path)
    remember_processes(request, resumed)
    assert resumed.start().wait_for_exit(timeout=JOB_TIMEOUT_SECONDS) == 0, resumed.log_tail()

    assert fault_report.count() == FaultCounts(sent=600, applied=600, lost=0, duplicated=0)
    assert_every_account_charged_once(600)


@pytest.mark.fault("customer worker down while invoices are issued")
def test_invoices_issued_while_the_customer_worker_is_down_arrive_once_it_is_back(
    start_system: StartSystem, fault_report: FaultReport
) -> None:
    system = start_system()
    customer_worker = system.workers["customer"]
    customer_worker.stop()
    customers_to_bill(50)

    run = system.manage("run_payment_job", "--period", PERIOD, extra_env=billing_card_keys())

    assert run.returncode == 0, run.stderr
    assert Invoice.objects.count() == 50
    fault_report.watch(
        sent=Invoice.objects.values_list("number", flat=True),
        applied=lambda: ReceivedInvoice.objects.values_list("number", flat=True),
        inbox=InboxMessage.objects.filter(type="InvoiceIssued"),
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
    received = InboxMessage.objects.filter(type="InvoiceIssued")
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

    run = subprocess.run(
        [*venv_command("python", "manage.py"), "run_payment_job", *arguments],
        cwd=REPOSITORY,
        env=job_env,
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT_SECONDS,
        check=False,
    )

    assert run.returncode != 0
    assert run.stderr.strip().splitlines() == [f"CommandError: {refusal}"]
    assert Payment.objects.count() == OutboxMessage.objects.count() == 0
