"""A message that keeps failing is buried in dead letters without holding up the messages behind it,
and is applied once an operator has fixed the cause and replays it."""

import re
from pathlib import Path

import pytest

from messaging.models import DeadLetter, InboxMessage, OutboxMessage
from tests.integration.customers import CustomerAccount
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.faults import FAULT_SWITCH_VARIABLE, POISON_TITLE
from tests.integration.processes import wait_until
from tests.integration.system import RunningSystem, StartSystem
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DELIVERY_TIMEOUT_SECONDS = 30


@pytest.fixture
def fault_switch(tmp_path: Path) -> Path:
    """While this file exists, the workers' ticketing handler fails on poison tickets."""
    switch = tmp_path / "injected-fault"
    switch.touch()
    return switch


@pytest.fixture
def system_with_fault(start_system: StartSystem, fault_switch: Path) -> RunningSystem:
    return start_system(
        worker_env={
            "DJANGO_SETTINGS_MODULE": "tests.integration.fault_settings",
            FAULT_SWITCH_VARIABLE: str(fault_switch),
        },
        # Retries slow enough that the poison is still retrying when the next ticket arrives,
        # so that ticket's arrival before the burial shows the retries did not hold up the queue.
        overrides={"MESSAGING_RETRY_BASE_SECONDS": "1", "MESSAGING_RETRY_MAX_SECONDS": "2"},
    )


@pytest.mark.fault("poison message among good ones")
def test_a_poison_message_is_dead_lettered_without_blocking_and_replayed_once_fixed(
    system_with_fault: RunningSystem,
    fault_switch: Path,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    system = system_with_fault
    max_deliveries = int(system.setting("MESSAGING_MAX_DELIVERIES"))

    poison = system.submit_ticket(token=customer_account.token, title=POISON_TITLE)
    good = system.submit_ticket(token=customer_account.token, title="Camera lens stuck")
    assert poison.status_code == 201, poison.text
    assert good.status_code == 201, good.text
    poison_id = poison.json()["id"]
    fault_report.watch(
        sent=[poison_id, good.json()["id"]],
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )
    poison_message_id = OutboxMessage.objects.using("customer").get(payload__ticket_id=poison_id).pk

    good_ticket = wait_until(
        lambda: TicketingTicket.objects.filter(pk=good.json()["id"]).first(),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="ticketing has stored the good ticket",
    )
    letter = wait_until(
        lambda: DeadLetter.objects.using("ticketing").filter(message_id=poison_message_id).first(),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the poison message is in ticketing's dead letters",
    )
    assert letter.deliveries == max_deliveries
    assert "injected fault" in letter.error
    assert good_ticket.received_at < letter.dead_since
    assert not TicketingTicket.objects.filter(pk=poison_id).exists()

    fault_switch.unlink()
    replay = system.manage("replay_dead_letters", "--all")

    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert fault_report.count() == FaultCounts(sent=2, applied=2, lost=0, duplicated=0)
    assert not DeadLetter.objects.using("ticketing").filter(message_id=poison_message_id).exists()
    assert TicketingTicket.objects.filter(title=POISON_TITLE).count() == 1
    assert TicketingTicket.objects.filter(pk=poison_id).exists()
    assert InboxMessage.objects.using("ticketing").get(pk=poison_message_id).applied_at is not None


@pytest.mark.fault("poison message in a backlog applied together")
def test_a_poison_message_in_a_backlog_fails_its_batch_alone_and_the_rest_arrive_once(
    start_system: StartSystem,
    fault_switch: Path,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    system = start_system(
        worker_env={
            "DJANGO_SETTINGS_MODULE": "tests.integration.fault_settings",
            FAULT_SWITCH_VARIABLE: str(fault_switch),
        },
        # Batches of five at most: the backlog is applied a batch at a time; the poison fails its own.
        overrides={
            "MESSAGING_APPLY_TOGETHER": "5",
            "MESSAGING_RETRY_BASE_SECONDS": "1",
            "MESSAGING_RETRY_MAX_SECONDS": "2",
        },
    )
    max_deliveries = int(system.setting("MESSAGING_MAX_DELIVERIES"))
    ticketing = system.workers["ticketing"]
    ticketing.stop()
    before = system.submit_tickets(token=customer_account.token, count=10, label="Before")
    poison = system.submit_ticket(token=customer_account.token, title=POISON_TITLE)
    assert poison.status_code == 201, poison.text
    after = system.submit_tickets(token=customer_account.token, count=10, label="After")
    good = before | after
    fault_report.watch(
        sent=[*good, poison.json()["id"]],
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )
    poison_message_id = (
        OutboxMessage.objects.using("customer").get(payload__ticket_id=poison.json()["id"]).pk
    )

    ticketing.start()
    fault_report.cleared()
    letter = wait_until(
        lambda: DeadLetter.objects.using("ticketing").filter(message_id=poison_message_id).first(),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the poison message is in ticketing's dead letters",
    )
    wait_until(
        lambda: TicketingTicket.objects.filter(pk__in=good).count() == len(good),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="ticketing has stored every good ticket",
    )

    assert re.search(r"\d+ deliveries applied together", ticketing.log_since_start())
    assert letter.deliveries == max_deliveries
    good_inbox = InboxMessage.objects.using("ticketing").exclude(pk=poison_message_id)
    assert set(good_inbox.values_list("deliveries", flat=True)) == {1}
    fault_switch.unlink()
    replay = system.manage("replay_dead_letters", "--all")
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert fault_report.count() == FaultCounts(sent=21, applied=21, lost=0, duplicated=0)
