"""A test-only app that makes ticketing's TicketCreated handler fail on demand, without touching
product code: it fails for tickets titled "poison" while the file named by SYSOPS_INJECTED_FAULT
exists, so a test can remove the cause before it replays the dead letters."""

import os
from pathlib import Path

from django.apps import AppConfig

from message_contracts.tickets import TicketCreated, TicketCreatedV2

POISON_TITLE = "poison"
FAULT_SWITCH_VARIABLE = "SYSOPS_INJECTED_FAULT"


def fault_is_on() -> bool:
    switch = os.environ.get(FAULT_SWITCH_VARIABLE)
    return bool(switch) and Path(switch).exists()


class InjectedFaultsConfig(AppConfig):
    name = "tests.integration.faults"
    label = "injected_faults"

    def ready(self) -> None:
        from ticketing.endpoint import endpoint

        # Every version ticketing takes in: the customer quantum sends the newest.
        for contract in (TicketCreated, TicketCreatedV2):
            key = (contract.TYPE, contract.VERSION)
            endpoint._handlers[key] = failing_on_poison(endpoint._handlers[key])


def failing_on_poison(product_handler):
    def handler(message: TicketCreated) -> None:
        if message.title == POISON_TITLE and fault_is_on():
            raise RuntimeError("injected fault")
        product_handler(message)

    return handler
