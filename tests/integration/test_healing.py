"""Faults heal in seconds: after each fault clears, every ticket accepted meanwhile is applied once
and confirmed well before the confirmation timeout could have resent anything (it is set out of
reach), and the fault report records how long healing took."""

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from django.db import connections

from customer_quantum.models import Ticket as CustomerTicket
from messaging.models import InboxMessage, OutboxMessage
from tests.integration.customers import CustomerAccount
from tests.integration.databases import sessions_cut_for
from tests.integration.fault_report import LAST_RESORT_OUT_OF_REACH, FaultCounts, FaultReport
from tests.integration.faults import HANG_TITLE, HOLDING, held_while_exists
from tests.integration.processes import wait_until
from tests.integration.servers import RedisServer, broker_dump
from tests.integration.system import RunningSystem, StartSystem
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

BURST = 40
HEALING_DEADLINE_SECONDS = 60
SESSIONS_CUT_FOR_SECONDS = 10


def submit_burst(system: RunningSystem, token: str, *, label: str) -> set[str]:
    return system.submit_tickets(token=token, count=BURST, label=label)


def fresh(query: Callable[[], int]) -> int:
    """On new connections: the fault may have cut this process's own sessions too."""
    connections["ticketing"].close()
    connections["customer"].close()
    return query()


def stored_tickets() -> set[str]:
    return {str(pk) for pk in CustomerTicket.objects.values_list("pk", flat=True)}


def watch_every_stored_ticket(fault_report: FaultReport) -> None:
    """What the customer quantum committed is what must arrive, answered to the client or not."""
    fault_report.watch(
        sent=fresh(stored_tickets),
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )


def wait_until_healed(fault_report: FaultReport) -> None:
    expected = fresh(stored_tickets)
    wait_until(
        lambda: (
            fresh(lambda: TicketingTicket.objects.filter(pk__in=expected).count()) == len(expected)
        ),
        timeout=HEALING_DEADLINE_SECONDS,
        what="ticketing has every ticket the customer quantum stored",
    )
    wait_until(
        lambda: (
            not fresh(
                lambda: (
                    OutboxMessage.objects.using("customer")
                    .filter(confirmed_at__isnull=True)
                    .exists()
                )
            )
        ),
        timeout=HEALING_DEADLINE_SECONDS,
        what="every message is confirmed",
    )
    fault_report.healed()


def assert_each_applied_once(fault_report: FaultReport) -> None:
    sent = len(fresh(stored_tickets))
    assert fault_report.count() == FaultCounts(sent=sent, applied=sent, lost=0, duplicated=0)


@pytest.mark.fault("worker killed mid-burst")
def test_a_burst_heals_once_its_killed_worker_is_back(
    start_system: StartSystem, customer_account: CustomerAccount, fault_report: FaultReport
) -> None:
    system = start_system(overrides=LAST_RESORT_OUT_OF_REACH)
    worker = system.workers["ticketing"]
    first_half = submit_burst(system, customer_account.token, label="Before the kill")
    wait_until(
        lambda: TicketingTicket.objects.filter(pk__in=first_half).exists(),
        timeout=HEALING_DEADLINE_SECONDS,
        what="ticketing is working through the burst",
    )
    worker.kill()
    submit_burst(system, customer_account.token, label="While ticketing is dead")
    watch_every_stored_ticket(fault_report)

    worker.start().wait_for_log(" ready.", timeout=HEALING_DEADLINE_SECONDS)
    fault_report.cleared()

    wait_until_healed(fault_report)
    assert_each_applied_once(fault_report)


@pytest.mark.fault("Redis with append-only file killed")
def test_messages_an_appendonly_redis_lost_when_killed_arrive_once(
    private_redis: RedisServer,
    start_system: StartSystem,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    system = start_system(broker_url=private_redis.url, overrides=LAST_RESORT_OUT_OF_REACH)
    system.workers["ticketing"].stop()
    submit_burst(system, customer_account.token, label="Queued when Redis dies")
    wait_until(
        lambda: broker_dump(private_redis.url, "").count('"TicketCreated"') == BURST,
        timeout=HEALING_DEADLINE_SECONDS,
        what="every ticket waits in the broker",
    )
    watch_every_stored_ticket(fault_report)

    private_redis.process.kill()  # no shutdown: up to a second of writes is not in the file
    private_redis.start()
    system.workers["ticketing"].start().wait_for_log(" ready.", timeout=HEALING_DEADLINE_SECONDS)
    fault_report.cleared()

    wait_until_healed(fault_report)
    assert_each_applied_once(fault_report)


@pytest.mark.fault("all workers and the scheduler stopped during a burst")
def test_a_burst_heals_once_every_worker_and_the_scheduler_are_back(
    start_system: StartSystem, customer_account: CustomerAccount, fault_report: FaultReport
) -> None:
    system = start_system(overrides=LAST_RESORT_OUT_OF_REACH)
    background = [*system.workers.values(), system.scheduler]
    submitted = threading.Thread(
        target=submit_burst,
        args=(system, customer_account.token),
        kwargs={"label": "Through the stop"},
    )
    submitted.start()
    try:
        wait_until(
            lambda: TicketingTicket.objects.exists(),
            timeout=HEALING_DEADLINE_SECONDS,
            what="ticketing is working through the burst",
        )
        for process in background:
            process.kill()
    finally:
        submitted.join()
    watch_every_stored_ticket(fault_report)

    for process in background:
        process.start()
    for worker in system.workers.values():
        worker.wait_for_log(" ready.", timeout=HEALING_DEADLINE_SECONDS)
    system.scheduler.wait_for_log("beat: Starting", timeout=HEALING_DEADLINE_SECONDS)
    fault_report.cleared()

    wait_until_healed(fault_report)
    assert_each_applied_once(fault_report)


@pytest.mark.fault("receiver's database sessions cut for 10 s")
def test_a_burst_heals_once_the_receivers_sessions_are_no_longer_cut(
    start_system: StartSystem, customer_account: CustomerAccount, fault_report: FaultReport
) -> None:
    system = start_system(overrides=LAST_RESORT_OUT_OF_REACH)
    with sessions_cut_for("ticketing", SESSIONS_CUT_FOR_SECONDS):
        submit_burst(system, customer_account.token, label="While sessions are cut")
    fault_report.cleared()
    watch_every_stored_ticket(fault_report)

    wait_until_healed(fault_report)
    assert_each_applied_once(fault_report)


@pytest.mark.fault("web process killed between commit and hand-over")
def test_a_ticket_whose_web_process_died_before_handing_it_over_arrives_once(
    start_system: StartSystem,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
    tmp_path: Path,
) -> None:
    hold = tmp_path / "hold"
    system = start_system(web_env=held_while_exists(hold), overrides=LAST_RESORT_OUT_OF_REACH)
    submit_burst(system, customer_account.token, label="Before the web dies")
    answers: list[httpx.Response] = []
    held = threading.Thread(
        target=_submit_held_ticket, args=(system, customer_account.token, answers)
    )
    held.start()
    try:
        system.web.wait_for_log(HOLDING, timeout=HEALING_DEADLINE_SECONDS)
        system.web.kill()
    finally:
        held.join()
    hold.unlink()
    assert answers == [], "the request whose process was killed got an answer"
    assert CustomerTicket.objects.filter(title=HANG_TITLE).exists()
    watch_every_stored_ticket(fault_report)

    system.web.start()
    system.web.wait_until_ready(
        system.web_answers, timeout=HEALING_DEADLINE_SECONDS, what="answers HTTP"
    )
    fault_report.cleared()

    wait_until_healed(fault_report)
    assert_each_applied_once(fault_report)


def _submit_held_ticket(system: RunningSystem, token: str, answers: list[httpx.Response]) -> None:
    """Committed, then held before its hand-over until the web process is killed: no answer."""
    try:
        answers.append(system.submit_ticket(token=token, title=HANG_TITLE))
    except httpx.TransportError:
        return
