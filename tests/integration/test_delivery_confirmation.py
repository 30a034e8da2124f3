"""Delivery is confirmed end to end: what the broker or a worker loses, the sender hands over again
until the receiver confirms it, and the receiver applies it exactly once, within seconds of the
fault clearing rather than after the confirmation timeout."""

from pathlib import Path

import pytest
from django.conf import settings

from messaging.models import DeadLetter, InboxMessage, OutboxMessage
from tests.integration.customers import CustomerAccount
from tests.integration.fault_report import LAST_RESORT_OUT_OF_REACH, FaultCounts, FaultReport
from tests.integration.faults import (
    HANG_BEFORE_PARK_TITLE,
    HANG_TITLE,
    HOLDING,
    held_while_exists,
)
from tests.integration.processes import wait_until
from tests.integration.servers import RedisServer, broker_dump
from tests.integration.system import FAST_MESSAGING, RunningSystem, StartSystem
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

RECOVERY_TIMEOUT_SECONDS = 60
BURST = 10


def deliveries_ended(worker_log: str, message_id: str) -> int:
    """How many deliveries of the message a worker's log shows run to their end (the task's id is
    the message's)."""
    return sum(
        worker_log.count(f"messaging.deliver[{message_id}] {end}") for end in ("succeeded", "retry")
    )


@pytest.fixture
def hold(tmp_path: Path) -> Path:
    return tmp_path / "hold"


@pytest.fixture
def system_holding(start_system: StartSystem, hold: Path) -> RunningSystem:
    """Ticketing's handler holds a "hang" ticket while `hold` exists, so a test can kill its worker
    there; the last-resort resend is out of reach, so only the kernel's healing can bring it."""
    return start_system(worker_env=held_while_exists(hold), overrides=LAST_RESORT_OUT_OF_REACH)


def all_confirmed() -> bool:
    return not OutboxMessage.objects.using("customer").filter(confirmed_at__isnull=True).exists()


@pytest.mark.fault("Redis restarted with its data lost")
def test_messages_a_broker_lost_with_its_data_still_arrive_once(
    private_redis: RedisServer,
    start_system: StartSystem,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    system = start_system(broker_url=private_redis.url, overrides=LAST_RESORT_OUT_OF_REACH)
    system.workers["ticketing"].stop()
    ids = system.submit_tickets(token=customer_account.token, count=BURST, label="Burst ticket")
    fault_report.watch(
        sent=ids,
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )
    wait_until(
        lambda: broker_dump(private_redis.url, "").count('"TicketCreated"') == BURST,
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="every ticket waits in the broker",
    )

    private_redis.wipe()
    system.workers["ticketing"].start().wait_for_log(" ready.", timeout=RECOVERY_TIMEOUT_SECONDS)
    fault_report.cleared()

    wait_until(
        lambda: TicketingTicket.objects.filter(pk__in=ids).count() == BURST,
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="ticketing has every ticket the broker lost",
    )
    wait_until(all_confirmed, timeout=RECOVERY_TIMEOUT_SECONDS, what="every message is confirmed")
    fault_report.healed()
    assert fault_report.count() == FaultCounts(sent=BURST, applied=BURST, lost=0, duplicated=0)
    assert TicketingTicket.objects.count() == BURST
    assert InboxMessage.objects.using("ticketing").filter(applied_at__isnull=False).count() == BURST


@pytest.mark.fault("worker killed mid-handler")
def test_a_message_whose_worker_was_killed_mid_handler_is_applied_once(
    system_holding: RunningSystem,
    hold: Path,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    system = system_holding
    worker = system.workers["ticketing"]

    response = system.submit_ticket(token=customer_account.token, title=HANG_TITLE)
    assert response.status_code == 201, response.text
    ticket_id = response.json()["id"]
    fault_report.watch(
        sent=[ticket_id],
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )
    worker.wait_for_log(HOLDING, timeout=RECOVERY_TIMEOUT_SECONDS)
    worker.kill()
    hold.unlink()
    worker.start().wait_for_log(" ready.", timeout=RECOVERY_TIMEOUT_SECONDS)
    fault_report.cleared()

    wait_until(
        lambda: TicketingTicket.objects.filter(pk=ticket_id).exists(),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="ticketing has the ticket whose first delivery died with its worker",
    )
    wait_until(all_confirmed, timeout=RECOVERY_TIMEOUT_SECONDS, what="the message is confirmed")
    fault_report.healed()
    assert fault_report.count() == FaultCounts(sent=1, applied=1, lost=0, duplicated=0)
    inbox = InboxMessage.objects.using("ticketing").get()
    assert inbox.applied_at is not None
    # The killed first delivery was applied uncounted, so it left nothing: the count is that of the
    # deliveries the restarted worker ran (the broker's put-back copy, and any copy the sender's
    # sweep handed over before the confirmation reached it).
    wait_until(
        lambda: (
            InboxMessage.objects.using("ticketing").get().deliveries
            == deliveries_ended(worker.log_since_start(), str(inbox.pk))
        ),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="the inbox counts the restarted worker's deliveries and not the killed one",
    )
    assert TicketingTicket.objects.count() == 1


def backlog_held_at(
    system: RunningSystem, title: str, token: str, fault_report: FaultReport
) -> set[str]:
    """Ticketing's worker and the scheduler stopped (a periodic job queued amid the backlog would
    end the batch there), 21 tickets queued with one titled `title` in the middle, watched by the
    fault report; then the worker started, until it holds the backlog. Returns the tickets' ids."""
    system.scheduler.stop()
    system.workers["ticketing"].stop()
    before = system.submit_tickets(token=token, count=BURST, label="Before the hang")
    held = system.submit_ticket(token=token, title=title)
    assert held.status_code == 201, held.text
    after = system.submit_tickets(token=token, count=BURST, label="After the hang")
    ids = {*before, held.json()["id"], *after}
    fault_report.watch(
        sent=ids,
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )
    system.workers["ticketing"].start().wait_for_log(HOLDING, timeout=RECOVERY_TIMEOUT_SECONDS)
    return ids


def healed_once_restarted(
    system: RunningSystem, hold: Path, ids: set[str], fault_report: FaultReport
) -> None:
    """The hold lifted, ticketing's worker and the scheduler started again: every ticket of the
    backlog applied once and confirmed."""
    hold.unlink()
    system.workers["ticketing"].start().wait_for_log(" ready.", timeout=RECOVERY_TIMEOUT_SECONDS)
    system.scheduler.start()
    fault_report.cleared()

    wait_until(
        lambda: TicketingTicket.objects.filter(pk__in=ids).count() == len(ids),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="ticketing has every ticket its killed worker had taken",
    )
    wait_until(all_confirmed, timeout=RECOVERY_TIMEOUT_SECONDS, what="every message is confirmed")
    fault_report.healed()
    assert fault_report.count() == FaultCounts(
        sent=len(ids), applied=len(ids), lost=0, duplicated=0
    )


@pytest.mark.fault("worker killed mid-batch")
def test_a_backlog_whose_worker_was_killed_mid_batch_is_applied_once(
    system_holding: RunningSystem,
    hold: Path,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    ids = backlog_held_at(system_holding, HANG_TITLE, customer_account.token, fault_report)

    # The whole backlog is one batch, held in the hang ticket's handler: nothing of it committed.
    assert not TicketingTicket.objects.filter(pk__in=ids).exists()
    system_holding.workers["ticketing"].kill()

    healed_once_restarted(system_holding, hold, ids, fault_report)


@pytest.mark.fault("worker killed between taking a backlog and parking it")
def test_a_backlog_its_worker_took_and_died_before_parking_arrives_once(
    system_holding: RunningSystem,
    hold: Path,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    ids = backlog_held_at(
        system_holding, HANG_BEFORE_PARK_TITLE, customer_account.token, fault_report
    )

    system_holding.workers["ticketing"].kill()
    # Popped from the queue and not parked: the broker has no copy of them left anywhere.
    assert HANG_BEFORE_PARK_TITLE not in broker_dump(
        settings.CELERY_BROKER_URL, system_holding.setting("CELERY_BROKER_KEY_PREFIX")
    )

    healed_once_restarted(system_holding, hold, ids, fault_report)


def test_a_message_that_kills_every_worker_that_takes_it_is_still_buried(
    system_holding: RunningSystem, customer_account: CustomerAccount
) -> None:
    """The first delivery, applied in one transaction, leaves no count when its worker dies: the
    deliveries after it are redeliveries, counted before the handler runs, so the message still
    runs out of deliveries instead of killing workers for ever."""
    system = system_holding
    worker = system.workers["ticketing"]
    most = int(FAST_MESSAGING["MESSAGING_MAX_DELIVERIES"])

    response = system.submit_ticket(token=customer_account.token, title=HANG_TITLE)
    assert response.status_code == 201, response.text
    # The uncounted first delivery, then every counted one, each killed inside the handler.
    for _ in range(1 + most):
        worker.wait_for_log(HOLDING, timeout=RECOVERY_TIMEOUT_SECONDS)
        worker.kill()
        worker.start()

    buried = wait_until(
        lambda: DeadLetter.objects.using("ticketing").first(),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="the message that kills its workers is buried",
    )
    assert buried.deliveries == most + 1
    assert "worker was lost" in buried.error
    assert not TicketingTicket.objects.exists()
