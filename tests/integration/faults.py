"""A test-only app that makes the ticket's journey misbehave on demand, without touching product
code. Ticketing's TicketCreated handler fails for tickets titled "poison" while the file named by
SYSOPS_INJECTED_FAULT exists (so a test can remove the cause before it replays the dead letters),
and holds tickets titled "hang" inside the handler while the file named by SYSOPS_HOLD exists (so
a test can kill the worker in the middle of a handler). In the web process, the customer quantum
holds a "hang" ticket's message between its commit and its hand-over to the broker while that file
exists (so a test can kill the web process in between). In ticketing's worker, a backlog taken from
the queue with a "hang before park" ticket in it is held after it is popped and before it is
parked while that file exists (so a test can kill the worker where Redis holds it nowhere)."""

import json
import logging
import os
import time
from pathlib import Path

from django.apps import AppConfig

from message_contracts.tickets import TicketCreated, TicketCreatedV2
from messaging.broker import DELIVERY_TASK
from tests.integration.servers import task_body

POISON_TITLE = "poison"
HANG_TITLE = "hang"
HANG_BEFORE_PARK_TITLE = "hang before park"
FAULT_SWITCH_VARIABLE = "SYSOPS_INJECTED_FAULT"
HOLD_SWITCH_VARIABLE = "SYSOPS_HOLD"
HOLDING = "holding the handler"


def held_while_exists(hold: Path) -> dict[str, str]:
    """The variables that make a process of the system run these faults, holding a "hang" ticket
    while the file `hold` (created here) exists."""
    hold.touch()
    return {
        "DJANGO_SETTINGS_MODULE": "tests.integration.fault_settings",
        HOLD_SWITCH_VARIABLE: str(hold),
    }


def switch_is_on(variable: str) -> bool:
    switch = os.environ.get(variable)
    return bool(switch) and Path(switch).exists()


class InjectedFaultsConfig(AppConfig):
    name = "tests.integration.faults"
    label = "injected_faults"

    def ready(self) -> None:
        from customer_quantum.endpoint import endpoint as customer
        from messaging import broker
        from ticketing.endpoint import endpoint as ticketing

        # Every version ticketing takes in: the customer quantum sends the newest.
        for contract in (TicketCreated, TicketCreatedV2):
            key = (contract.TYPE, contract.VERSION)
            ticketing.receiver.handlers[key] = misbehaving(ticketing.receiver.handlers[key])
        customer.sender.hand_to_broker = held_before_hand_over(customer.sender.hand_to_broker)
        # Looked up by name where a backlog is popped, so the module's own function is replaced.
        broker._park = held_before_park(broker._park)


def hold_while_switched_on() -> None:
    logging.getLogger(__name__).warning(HOLDING)
    while switch_is_on(HOLD_SWITCH_VARIABLE):
        time.sleep(0.05)  # stuck, for the test to kill the process


def held_before_hand_over(product_hand_over):
    def hand_over(row, **options) -> bool:
        if row.payload.get("title") == HANG_TITLE and switch_is_on(HOLD_SWITCH_VARIABLE):
            hold_while_switched_on()
        return product_hand_over(row, **options)

    return hand_over


def held_before_park(product_park):
    def park(client, payloads: list[dict]) -> None:
        if switch_is_on(HOLD_SWITCH_VARIABLE) and any(map(_hangs_before_park, payloads)):
            hold_while_switched_on()
        product_park(client, payloads)

    return park


def _hangs_before_park(payload: dict) -> bool:
    """Whether the task as queued delivers that ticket."""
    if payload["headers"].get("task") != DELIVERY_TASK:
        return False
    (_receiver, envelope), _kwargs, _embed = json.loads(task_body(payload))
    return envelope["payload"].get("title") == HANG_BEFORE_PARK_TITLE


def misbehaving(product_handler):
    def handler(message: TicketCreated) -> None:
        if message.title == POISON_TITLE and switch_is_on(FAULT_SWITCH_VARIABLE):
            raise RuntimeError("injected fault")
        if message.title == HANG_TITLE and switch_is_on(HOLD_SWITCH_VARIABLE):
            hold_while_switched_on()
        product_handler(message)

    return handler
