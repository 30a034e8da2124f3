"""A test-only app that makes ticketing's TicketCreated handler misbehave on demand, without
touching product code: it fails for tickets titled "poison" while the file named by
SYSOPS_INJECTED_FAULT exists (so a test can remove the cause before it replays the dead letters),
and holds tickets titled "hang" inside the handler while the file named by SYSOPS_HOLD exists (so
a test can kill the worker in the middle of a handler)."""

import logging
import os
import time
from pathlib import Path

from django.apps import AppConfig

from message_contracts.tickets import TicketCreated, TicketCreatedV2

POISON_TITLE = "poison"
HANG_TITLE = "hang"
FAULT_SWITCH_VARIABLE = "SYSOPS_INJECTED_FAULT"
HOLD_SWITCH_VARIABLE = "SYSOPS_HOLD"
HOLDING = "holding the handler"


def switch_is_on(variable: str) -> bool:
    switch = os.environ.get(variable)
    return bool(switch) and Path(switch).exists()


class InjectedFaultsConfig(AppConfig):
    name = "tests.integration.faults"
    label = "injected_faults"

    def ready(self) -> None:
        from ticketing.endpoint import endpoint

        # Every version ticketing takes in: the customer quantum sends the newest.
        for contract in (TicketCreated, TicketCreatedV2):
            key = (contract.TYPE, contract.VERSION)
            endpoint._handlers[key] = misbehaving(endpoint._handlers[key])


def misbehaving(product_handler):
    def handler(message: TicketCreated) -> None:
        if message.title == POISON_TITLE and switch_is_on(FAULT_SWITCH_VARIABLE):
            raise RuntimeError("injected fault")
        if message.title == HANG_TITLE and switch_is_on(HOLD_SWITCH_VARIABLE):
            logging.getLogger(__name__).warning(HOLDING)
            while switch_is_on(HOLD_SWITCH_VARIABLE):
                time.sleep(0.05)  # a stuck handler, for the test to kill
        product_handler(message)

    return handler
