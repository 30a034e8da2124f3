"""quanta_status: the pipes at a glance, and a non-zero exit while something is past its threshold.

The broker is a real Redis of the run's own and the workers are real Celery workers answering on
it, so what the report says of queues and consumers is what a running system would show.
"""

import re
import time
import uuid
from datetime import timedelta

import pytest
from celery import current_app
from celery.exceptions import Retry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connections
from django.utils import timezone

from billing_quantum.models import PaymentChunk, PaymentRun
from customer_quantum.endpoint import endpoint as customer_endpoint
from messaging.broker_notes import broker_redis
from messaging.contract import Envelope
from messaging.models import DeadLetter, JobRun, OutboxMessage
from messaging.tasks import deliver
from operations.queue_trend import Sample, depths_seen, growing_for
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db(databases="__all__")


def _rows(report: str) -> dict[str, list[str]]:
    """The report's lines by their first word."""
    return {line.split()[0]: line.split()[1:] for line in report.splitlines()}


def _problems() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("quanta_status")
    return str(failure.value)


@pytest.fixture
def replica_synced():
    call_command("sync_support_contracts", verbosity=0)


@pytest.fixture
def healthy(every_queue_consumed, replica_synced):
    """Every queue consumed and the replica synced: nothing to report."""


@pytest.fixture
def troubled(ticket_created, healthy):
    """A message nobody confirmed for an hour, and a dead letter in ticketing."""
    customer_endpoint.publish(ticket_created())
    OutboxMessage.objects.using("customer").update(created_at=timezone.now() - timedelta(hours=1))
    DeadLetter.objects.using("ticketing").create(
        envelope={}, error="InjectedFault", deliveries=5, dead_since=timezone.now()
    )


def test_a_healthy_system_prints_every_quantum_and_exits_zero(healthy, capsys):
    call_command("quanta_status")

    out = capsys.readouterr().out
    rows = _rows(out)
    for quantum in ("customer", "billing", "ticketing", "analytics", "notifications"):
        assert rows[quantum] == ["1", "0", "0", "-", "0", "0"]
    assert re.search(r"support-contract replica: last synced (\d+ ms|\d\.\d s) ago", out)
    assert "all within thresholds" in out


def test_problems_are_named_in_one_line_and_the_exit_is_non_zero(troubled, capsys):
    assert _problems() == (
        "ticketing: a message sent to it unconfirmed for 1 h; ticketing: 1 dead letter(s)"
    )
    rows = _rows(capsys.readouterr().out)
    assert rows["customer"] == ["1", "0", "0", "-", "0", "0"]
    assert rows["ticketing"] == ["1", "0", "1", "1", "h", "1", "0"]


def test_a_message_stuck_for_over_a_minute_is_a_problem_by_default(healthy, ticket_created):
    customer_endpoint.publish(ticket_created())
    OutboxMessage.objects.using("customer").update(
        created_at=timezone.now() - timedelta(seconds=90)
    )

    assert _problems() == "ticketing: a message sent to it unconfirmed for 1 min 30 s"


def test_a_queue_no_worker_consumes_is_named_until_one_does(worker, replica_synced, capsys):
    name = worker("customer", "billing", "analytics", "notifications")

    assert _problems() == "ticketing: no worker consumes its queue"
    assert _rows(capsys.readouterr().out)["ticketing"][0] == "0"

    current_app.control.add_consumer("ticketing", destination=[name], reply=True)

    call_command("quanta_status")


def test_a_queue_that_keeps_growing_is_named_until_it_stops(worker, replica_synced):
    name = worker("customer", "billing", "ticketing", "notifications")
    # Two earlier reports saw analytics' queue at 0, then 1 message; now 2 are waiting.
    with current_app.connection_for_write() as connection, broker_redis(connection) as broker:
        client, prefix = broker
        now = time.time()
        depths_seen(client, prefix, "analytics", 0, at=now - 40)
        depths_seen(client, prefix, "analytics", 1, at=now - 20)
    for _ in range(2):
        current_app.send_task("messaging.prune", args=["analytics"], queue="analytics")

    assert re.fullmatch(
        "analytics: no worker consumes its queue; "
        r"analytics: its queue has kept growing for 4\d s, 2 waiting",
        _problems(),
    )

    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("analytics")
    current_app.control.add_consumer("analytics", destination=[name], reply=True)

    call_command("quanta_status")


def test_a_queue_is_growing_only_when_it_rose_at_every_sample_for_30_seconds():
    def samples(*depths_by_age):
        return [Sample(1000 - age, depth) for age, depth in depths_by_age]

    assert growing_for(samples((0, 9), (15, 5), (30, 1))) == 30
    assert growing_for(samples((0, 9), (15, 5), (30, 5), (45, 1))) is None  # a plateau
    assert growing_for(samples((0, 9), (10, 5), (20, 1))) is None  # not for long enough
    assert growing_for(samples((0, 9), (30, 1))) is None  # a single rise
    assert growing_for(samples((0, 9))) is None


def test_deliveries_failing_on_the_receivers_database_are_named_until_one_gets_through(
    worker, replica_synced, ticket_created
):
    # Ticketing's queue is left unconsumed: the failed delivery is queued there for a retry.
    name = worker("customer", "billing", "analytics", "notifications")
    message = ticket_created()
    envelope = Envelope(
        id=uuid.uuid4(),
        type=message.TYPE,
        version=message.VERSION,
        occurred_at=timezone.now(),
        correlation_id=uuid.uuid4(),
        sender="customer",
        payload=message.model_dump(mode="json"),
    ).model_dump(mode="json")

    def database_away(execute, sql, params, many, context):
        raise OperationalError("connection to server at 10.0.0.9 failed: Connection refused")

    with connections["ticketing"].execute_wrapper(database_away), pytest.raises(Retry):
        deliver.run("ticketing", envelope)

    assert _problems() == (
        "ticketing: no worker consumes its queue; "
        "ticketing: deliveries failing, its database cannot be reached: OperationalError: "
        "connection to server at 10.0.0.9 failed: Connection refused"
    )

    deliver.run("ticketing", envelope)
    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("ticketing")  # the retry, now pointless
    current_app.control.add_consumer("ticketing", destination=[name], reply=True)

    assert Ticket.objects.filter(pk=message.ticket_id).exists()
    call_command("quanta_status")


def test_a_broker_that_does_not_answer_is_named(replica_synced, broker_refusing, capsys):
    problems = _problems()

    assert problems.startswith("the broker does not answer: OperationalError: ")
    assert "Connection refused" in problems
    assert _rows(capsys.readouterr().out)["ticketing"][:2] == ["?", "?"]


def test_a_replica_that_never_synced_is_a_problem(every_queue_consumed):
    assert _problems() == "support-contract replica: never synced"


def test_staff_see_the_same_report(admin_client, troubled):
    page = admin_client.get("/operations/status/").content.decode()

    assert "ticketing: 1 dead letter(s)" in page
    assert "ticketing: a message sent to it unconfirmed for 1 h" in page


def test_the_report_is_for_staff_only(client):
    response = client.get("/operations/status/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_each_periodic_job_shows_its_last_run(healthy, capsys):
    call_command("quanta_status")

    rows = _rows(capsys.readouterr().out)
    # The replication above ran as a command, not as the scheduler's job.
    assert rows["sync-support-contracts"] == ["customer", "-", "never", "ran"]
    assert rows["run-payment-job"] == ["billing", "-", "never", "ran"]
    assert rows["sweep-ticketing-outbox"] == ["ticketing", "-", "never", "ran"]


def test_a_job_that_missed_its_schedule_or_failed_is_a_problem(healthy, capsys):
    JobRun.objects.using("ticketing").create(
        job="ticketing.assign_tickets",
        started_at=timezone.now() - timedelta(minutes=10),
        finished_at=timezone.now() - timedelta(minutes=10),
        succeeded=True,
    )
    JobRun.objects.using("billing").create(
        job="billing.run_payment_job",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        succeeded=False,
        error="OperationalError: the provider is away",
    )

    assert _problems() == (
        "assign-tickets: last started 10 min ago; run-payment-job: its last run failed"
    )
    rows = _rows(capsys.readouterr().out)
    assert rows["assign-tickets"] == ["ticketing", "10", "min", "ago", "succeeded,", "late"]
    assert re.fullmatch(r"billing (\d+ ms|\d\.\d s) ago failed", " ".join(rows["run-payment-job"]))


def test_a_job_run_on_schedule_is_not_late(healthy):
    JobRun.objects.using("ticketing").create(
        job="ticketing.assign_tickets",
        started_at=timezone.now() - timedelta(seconds=90),
        finished_at=timezone.now() - timedelta(seconds=89),
        succeeded=True,
    )

    call_command("quanta_status")


def test_staff_see_the_periodic_jobs(admin_client, healthy):
    JobRun.objects.using("ticketing").create(
        job="ticketing.assign_tickets", started_at=timezone.now(), succeeded=None
    )

    page = admin_client.get("/operations/status/").content.decode()

    assert '<th scope="row">assign-tickets</th>' in page
    assert "running or died" in page


def test_a_database_it_cannot_read_is_named_and_the_rest_still_reported(healthy, capsys):
    # Inside the test's transaction: rolled back with it.
    with connections["analytics"].cursor() as cursor:
        cursor.execute("DROP TABLE messaging_deadletter")

    assert _problems() == (
        "analytics: its database cannot be read: "
        "OperationalError: no such table: messaging_deadletter"
    )
    rows = _rows(capsys.readouterr().out)
    assert rows["analytics"] == ["1", "0", "0", "-", "?", "?"]
    assert rows["ticketing"] == ["1", "0", "0", "-", "0", "0"]


def payment_run_half_way() -> PaymentRun:
    """A month of 1,000 accounts whose first chunk has done 250 in the 100 s since it started."""
    run = PaymentRun.objects.create(period="2026-10", accounts=1000)
    PaymentChunk.objects.create(
        run=run,
        number=1,
        first_account_id=1,
        last_account_id=500,
        accounts=500,
        started_at=timezone.now() - timedelta(seconds=100),
        done=250,
    )
    PaymentChunk.objects.create(
        run=run, number=2, first_account_id=501, last_account_id=1000, accounts=500
    )
    return run


def test_the_payment_run_shows_accounts_done_of_planned_and_its_expected_end(healthy, capsys):
    payment_run_half_way()

    call_command("quanta_status")

    # 250 accounts in 100 s: the other 750 in 300 s more.
    assert re.search(
        r"payment run 2026-10: 250 of 1000 accounts done, 0 of 2 chunks, "
        r"expected end \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in (4 min 59 s|5 min)\)",
        capsys.readouterr().out,
    )


def test_a_finished_payment_run_says_when_it_finished(healthy, capsys):
    run = payment_run_half_way()
    PaymentChunk.objects.update(done=500, finished_at=timezone.now())
    PaymentRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())

    call_command("quanta_status")

    assert "payment run 2026-10: 1000 of 1000 accounts done, 2 of 2 chunks, finished " in (
        capsys.readouterr().out
    )


def test_a_payment_chunk_given_up_is_a_problem(healthy):
    payment_run_half_way()
    PaymentChunk.objects.filter(number=2).update(
        finished_at=timezone.now(), error="given up after 5 deliveries"
    )

    assert _problems() == "payment run 2026-10: 1 chunk(s) given up"
