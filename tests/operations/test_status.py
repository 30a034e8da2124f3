"""quanta_status: the pipes at a glance, and a non-zero exit when something is past its threshold."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

from billing_quantum.models import JobRun as BillingJobRun
from customer_quantum.endpoint import endpoint as customer_endpoint
from customer_quantum.models import OutboxMessage
from ticketing.models import DeadLetter
from ticketing.models import JobRun as TicketingJobRun

pytestmark = pytest.mark.django_db(databases="__all__")


def _rows(report: str) -> dict[str, list[str]]:
    """The report's lines by their first word."""
    return {line.split()[0]: line.split()[1:] for line in report.splitlines()}


@pytest.fixture
def replica_synced():
    call_command("sync_support_contracts", verbosity=0)


@pytest.fixture
def troubled(ticket_created, replica_synced):
    """A message nobody confirmed for an hour, and a dead letter in ticketing."""
    customer_endpoint.publish(ticket_created())
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(hours=1))
    DeadLetter.objects.create(
        envelope={}, error="InjectedFault", deliveries=5, dead_since=timezone.now()
    )


def test_a_healthy_system_prints_every_quantum_and_exits_zero(replica_synced, capsys):
    call_command("quanta_status")

    out = capsys.readouterr().out
    for quantum in ("customer", "billing", "ticketing", "analytics", "notifications"):
        assert f"\n{quantum} " in out
    assert "support-contract replica: last synced 0m00s ago" in out
    assert "all within thresholds" in out


def test_problems_are_named_in_one_line_and_the_exit_is_non_zero(troubled, capsys):
    with pytest.raises(CommandError) as failure:
        call_command("quanta_status")

    assert str(failure.value) == (
        "customer: a message unconfirmed for 1h00m; ticketing: 1 dead letter(s)"
    )
    rows = _rows(capsys.readouterr().out)
    assert rows["customer"] == ["1", "1h00m", "0", "0", "0"]
    assert rows["ticketing"] == ["0", "-", "1", "0", "0"]


def test_a_replica_that_never_synced_is_a_problem():
    with pytest.raises(CommandError, match="support-contract replica: never synced"):
        call_command("quanta_status")


def test_staff_see_the_same_report(admin_client, troubled):
    page = admin_client.get("/operations/status/").content.decode()

    assert "ticketing: 1 dead letter(s)" in page
    assert "customer: a message unconfirmed for 1h00m" in page


def test_the_report_is_for_staff_only(client):
    response = client.get("/operations/status/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_each_periodic_job_shows_its_last_run(replica_synced, capsys):
    call_command("quanta_status")

    rows = _rows(capsys.readouterr().out)
    # The replication above ran as a command, not as the scheduler's job.
    assert rows["sync-support-contracts"] == ["customer", "-", "never", "ran"]
    assert rows["run-payment-job"] == ["billing", "-", "never", "ran"]
    assert rows["sweep-ticketing-outbox"] == ["ticketing", "-", "never", "ran"]


def test_a_job_that_missed_its_schedule_or_failed_is_a_problem(replica_synced, capsys):
    TicketingJobRun.objects.create(
        job="ticketing.assign_tickets",
        started_at=timezone.now() - timedelta(minutes=10),
        finished_at=timezone.now() - timedelta(minutes=10),
        succeeded=True,
    )
    BillingJobRun.objects.create(
        job="billing.run_payment_job",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        succeeded=False,
        error="OperationalError: the provider is away",
    )

    with pytest.raises(CommandError) as failure:
        call_command("quanta_status")

    assert str(failure.value) == (
        "assign-tickets: last started 10m00s ago; run-payment-job: its last run failed"
    )
    rows = _rows(capsys.readouterr().out)
    assert rows["assign-tickets"] == ["ticketing", "10m00s", "ago", "succeeded,", "late"]
    assert rows["run-payment-job"] == ["billing", "0m00s", "ago", "failed"]


def test_a_job_run_on_schedule_is_not_late(replica_synced):
    TicketingJobRun.objects.create(
        job="ticketing.assign_tickets",
        started_at=timezone.now() - timedelta(seconds=90),
        finished_at=timezone.now() - timedelta(seconds=89),
        succeeded=True,
    )

    call_command("quanta_status")


def test_staff_see_the_periodic_jobs(admin_client, replica_synced):
    TicketingJobRun.objects.create(
        job="ticketing.assign_tickets", started_at=timezone.now(), succeeded=None
    )

    page = admin_client.get("/operations/status/").content.decode()

    assert "<td>assign-tickets</td>" in page
    assert "running or died" in page


def test_a_database_it_cannot_read_is_one_line_not_a_traceback(replica_synced):
    # Inside the test's transaction: rolled back with it.
    with connections["analytics"].cursor() as cursor:
        cursor.execute("DROP TABLE analytics_jobrun")

    with pytest.raises(CommandError, match=r"cannot be read \(no such table: analytics_jobrun\)"):
        call_command("quanta_status")
