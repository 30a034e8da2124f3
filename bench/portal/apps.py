"""The benchmark's switches, read from the environment when the process starts, with no product
code changed: BENCH_DELIVERY=inline makes every quantum send as the monolith would (each message
applied inside the sender's request, messaging/inline.py), and BENCH_HANDLER_DELAY_SECONDS
slows the downstream quanta: every message handled by a quantum other than the customer's takes
that much longer, in a worker or, inline, inside the customer's request."""

import os
import time

from django.apps import AppConfig

DELIVERY_VARIABLE = "BENCH_DELIVERY"
INLINE = "inline"
DELAY_VARIABLE = "BENCH_HANDLER_DELAY_SECONDS"
UPSTREAM = "customer"


class BenchConfig(AppConfig):
    name = "bench.portal"
    label = "bench_portal"

    def ready(self) -> None:
        from messaging.endpoint import endpoints
        from messaging.inline import inline_sender_install

        delivery = os.environ.get(DELIVERY_VARIABLE) or "broker"
        if delivery not in ("broker", INLINE):
            raise ValueError(f"{DELIVERY_VARIABLE} must be broker or {INLINE}, not {delivery!r}")
        delay = float(os.environ.get(DELAY_VARIABLE) or 0)
        for endpoint in endpoints():
            if delivery == INLINE:
                inline_sender_install(endpoint)
            if delay > 0 and endpoint.quantum != UPSTREAM:
                handlers = endpoint.receiver.handlers
                for key, handler in handlers.items():
                    handlers[key] = slowed(handler, delay)


def slowed(handler, delay: float):
    def handle(message) -> None:
        time.sleep(delay)  # a slow downstream: a remote call, a busy database
        handler(message)

    return handle
