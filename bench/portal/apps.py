"""Slows the downstream quanta on demand: every message handled by a quantum other than the
customer's takes BENCH_HANDLER_DELAY_SECONDS longer, in a worker or, with MESSAGING_DELIVERY=inline,
inside the customer's request. No product code changes."""

import os
import time

from django.apps import AppConfig

DELAY_VARIABLE = "BENCH_HANDLER_DELAY_SECONDS"
UPSTREAM = "customer"


class BenchConfig(AppConfig):
    name = "bench.portal"
    label = "bench_portal"

    def ready(self) -> None:
        from messaging.endpoint import endpoints

        delay = float(os.environ.get(DELAY_VARIABLE) or 0)
        if delay <= 0:
            return
        for endpoint in endpoints():
            if endpoint.quantum != UPSTREAM:
                endpoint._handlers = {
                    key: slowed(handler, delay) for key, handler in endpoint._handlers.items()
                }


def slowed(handler, delay: float):
    def handle(message) -> None:
        time.sleep(delay)  # a slow downstream: a remote call, a busy database
        handler(message)

    return handle
