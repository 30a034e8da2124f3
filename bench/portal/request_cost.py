"""What its message costs a ticket request in CPU, in one process, the variants taking turns.

    .venv/bin/python -m bench.portal.request_cost [--blocks 30] [--requests 20]

`make bench`'s phases run one after the other, and on a shared machine the same phase moves by a
third from one round to the next: too much to see a change worth a tenth of the request. Here one
process sends the ticket request through Django's handler in blocks, each variant once a turn in an
order drawn anew (a fixed order favoured some variants by a third of the difference), and reads its
own CPU time around each block; the medians of the differences between a variant's block and the
block without the message in the same turn leave out whatever the machine did meanwhile:

- *without its message*: the product's view with nothing published (`bench/portal/views.py`);
- *with its outbox row*: the message stored in the outbox in the request's transaction, never
  handed to the broker;
- *with its message*: the product's request, the row stored and handed over after the commit.

It sets up databases like the benchmark's (`bench_request_cost_<alias>`, so it can run beside
`make bench`) and a Redis, as `hot_path` does, and removes them afterwards.
"""

import argparse
import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.test import Client

from bench.portal.load import TICKET


def outbox_row_only() -> contextlib.AbstractContextManager[None]:
    from bench.portal.views import StoredOnly, customer_sender

    return customer_sender(StoredOnly)


def variants(token: str) -> dict[str, tuple[Callable[[], object], Callable]]:
    """Each variant's request, and what it runs inside."""
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")

    def ticket(path: str) -> Callable[[], object]:
        def send() -> None:
            response = client.post(path, TICKET, content_type="application/json")
            if response.status_code != 201:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.content!r}")

        return send

    return {
        "without its message": (ticket("/bench/ticket-without-message/"), contextlib.nullcontext),
        "with its outbox row": (ticket("/api/customer/tickets/"), outbox_row_only),
        "with its message": (ticket("/api/customer/tickets/"), contextlib.nullcontext),
    }


def measured(token: str, *, blocks: int, requests: int) -> dict[str, list[float]]:
    """Milliseconds of this process's CPU per request, for each block of each variant."""
    sends = variants(token)
    for send, inside in sends.values():  # the first requests of each path warm its caches
        with inside():
            for _ in range(requests):
                send()
    spent: dict[str, list[float]] = {name: [] for name in sends}
    turn = list(sends)
    shuffled = random.Random(18)  # noqa: S311 - an order, not a secret: the same in every run
    for _ in range(blocks):
        shuffled.shuffle(turn)
        for name in turn:
            send, inside = sends[name]
            with inside():
                started = time.process_time()
                for _ in range(requests):
                    send()
                spent[name].append((time.process_time() - started) * 1000 / requests)
    return spent


def report(spent: dict[str, list[float]]) -> str:
    base = spent["without its message"]
    lines = [
        "| ticket request | CPU ms per request (median) | more than without its message |",
        "|---|---:|---:|",
    ]
    for name, values in spent.items():
        more = statistics.median(value - alone for value, alone in zip(values, base, strict=True))
        lines.append(f"| {name} | {statistics.median(values):.2f} | {more:.2f} |")
    return "\n".join(lines)


def main() -> None:
    from bench.portal.harness import bench_environment

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30, help="turns of the three variants")
    parser.add_argument("--requests", type=int, default=20, help="requests in a block")
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="sysops-request-cost-") as workdir,
        bench_environment(
            workdir=Path(workdir), database_prefix="bench_request_cost"
        ) as environment,
    ):
        spent = measured(
            environment.writers[0]["token"], blocks=options.blocks, requests=options.requests
        )
    print(f"{options.blocks} blocks of {options.requests} requests per variant, in turn:")
    print(report(spent))


if __name__ == "__main__":
    main()
