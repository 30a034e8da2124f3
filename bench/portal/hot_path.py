"""What one request and one message cost: SQL statements per database and round trips to the
broker, counted in-process for a ticket submission, a card registration and a page view, and for
the handling of each message they send (in the receiver, and the confirmation back in the sender).

    .venv/bin/python -m bench.portal.hot_path [--sql]

Run on its own it sets up databases like the benchmark's (`bench_hot_path_<alias>`, so it can run
beside `make bench`) and a Redis, and removes them; `make bench`
runs the same count before the load and keeps it in result.json.
"""

import argparse
import contextlib
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from redis.connection import Connection

from bench.portal.load import CARD


@contextlib.contextmanager
def counted() -> Iterator[dict]:
    """Every SQL statement per database alias, and every command (or pipeline) sent to Redis."""
    figures: dict = {}
    sent = Connection.send_packed_command
    round_trips = []

    def send_and_count(self, command, check_health=True):
        round_trips.append(1)
        return sent(self, command, check_health)

    with contextlib.ExitStack() as stack:
        captures = {
            alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in connections
        }
        stack.enter_context(mock.patch.object(Connection, "send_packed_command", send_and_count))
        yield figures
    figures["sql"] = {
        alias: [query["sql"] for query in capture.captured_queries]
        for alias, capture in captures.items()
        if capture.captured_queries
    }
    figures["broker round trips"] = len(round_trips)


def summary(figures: dict) -> dict:
    """Statements per database, by their first word (SELECT, INSERT, SAVEPOINT...)."""
    return {
        "statements": {
            alias: dict(Counter(sql.split()[0] for sql in statements))
            for alias, statements in figures["sql"].items()
        },
        "broker round trips": figures["broker round trips"],
    }


def profile(*, token: str, session: str, with_sql: bool = False) -> dict:
    from messaging.endpoint import endpoint_for
    from messaging.models import OutboxMessage

    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    portal = Client(HTTP_HOST="127.0.0.1")
    portal.cookies["sessionid"] = session
    ticket = {"title": "Profiled", "device_category": "computer", "priority": "normal"}

    def measured(what: Callable[[], object], prepare: Callable[[], object] = lambda: None) -> dict:
        prepare()
        what()  # the first time opens connections and fills caches: not the steady state
        prepare()
        with counted() as figures:
            what()
        return figures

    def submit_ticket() -> object:
        return api.post("/api/customer/tickets/", ticket, content_type="application/json")

    def register_card() -> object:
        return api.post("/api/customer/cards/", CARD, content_type="application/json")

    def newest(message_type: str, sender: str = "customer") -> OutboxMessage:
        return (
            OutboxMessage.objects.using(sender)
            .filter(type=message_type)
            .order_by("-created_at")
            .first()
        )

    def newest_envelope(message_type: str, sender: str) -> dict:
        envelope = endpoint_for(sender).sender.envelope(newest(message_type, sender))
        return envelope.model_dump(mode="json")

    def handled(
        receiver: str,
        message_type: str,
        send: Callable[[], object],
        *,
        sender: str = "customer",
        first: bool = True,
    ) -> dict:
        """The receiver's cost only: the envelope is read from the outbox beforehand. `first`: as
        the fast path's hand-over arrives; otherwise as a redelivery, counted first."""
        envelopes: list[dict] = []

        def sent() -> None:
            send()
            envelopes.append(newest_envelope(message_type, sender))

        return measured(
            lambda: endpoint_for(receiver).receive(envelopes[-1], first_delivery=first),
            prepare=sent,
        )

    def sent_and_applied(send: Callable[[], object], message_type: str, receiver: str):
        """The customer's request and its message applied downstream, which sends the next one."""

        def send_and_apply() -> None:
            send()
            envelope = newest_envelope(message_type, "customer")
            endpoint_for(receiver).receive(envelope, first_delivery=True)

        return send_and_apply

    unconfirmed: list[str] = []
    results = {
        "ticket submission request": measured(submit_ticket),
        "TicketCreated handled by ticketing": handled("ticketing", "TicketCreated", submit_ticket),
        "TicketCreated redelivered to ticketing": handled(
            "ticketing", "TicketCreated", submit_ticket, first=False
        ),
        "card registration request": measured(register_card),
        "TicketLifecycleRecorded handled by analytics": handled(
            "analytics",
            "TicketLifecycleRecorded",
            sent_and_applied(submit_ticket, "TicketCreated", "ticketing"),
            sender="ticketing",
        ),
        "CardRegistered handled by billing": handled("billing", "CardRegistered", register_card),
        "CardVerified handled by the customer quantum": handled(
            "customer",
            "CardVerified",
            sent_and_applied(register_card, "CardRegistered", "billing"),
            sender="billing",
        ),
        "portal page view": measured(lambda: portal.get("/")),
        "confirmation applied by the sender": measured(
            lambda: endpoint_for("customer").sender.confirm(unconfirmed[-1:]),
            prepare=lambda: unconfirmed.append(str(submit_ticket() and newest("TicketCreated").id)),
        ),
    }
    return {
        what: {**summary(figures), **({"sql": figures["sql"]} if with_sql else {})}
        for what, figures in results.items()
    }


def main() -> None:
    from bench.portal.harness import bench_environment

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sql", action="store_true", help="print every statement too")
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="sysops-hot-path-") as workdir,
        bench_environment(workdir=Path(workdir), database_prefix="bench_hot_path") as environment,
    ):
        figures = profile(
            token=environment.writers[0]["token"],
            session=environment.readers[0]["session"],
            with_sql=options.sql,
        )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
