"""A test-only app that makes ticketing's TicketCreated handler fail on demand, without touching
product code: it fails for tickets titled "poison" while the file named by SYSOPS_INJECTED_FAULT
exists, so a test can remove the cause before it replays the dead letters."""

import os
from pathlib import Path

from django.apps import AppConfig

from message_contracts.tickets import TicketCreated

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

        contract = (TicketCreated.TYPE, TicketCreated.VERSION)
        product_handler = endpoint._handlers[contract]

        def failing_on_poison(message: TicketCreated) -> None:
            if message.title == POISON_TITLE and fault_is_on():
                raise RuntimeError("injected fault")
            product_handler(message)

        endpoint._handlers[contract] = failing_on_poison
