"""Health of the running system: which databases and the broker answer, and which workers listen.

A customer-facing request must succeed while the broker and every other quantum are down, so the
portal needs only identity and the customer database: a broker or another quantum being down is
reported, but does not make the web process unready.
"""

from collections import defaultdict
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError
from kombu import Connection

WEB_NEEDS = (DEFAULT_DB_ALIAS, "customer")
PING_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    component: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def database_check(alias: str) -> Check:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check(f"database {alias}", f"{type(error).__name__}: {error}".strip())
    return Check(f"database {alias}")


def broker_check() -> Check:
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=PING_TIMEOUT_SECONDS)
    except Exception as error:  # every transport raises its own kind
        return Check("broker", f"{type(error).__name__}: {error}")
    return Check("broker")


def queue_consumers(*, timeout: float, connection: Connection | None = None) -> dict[str, int]:
    """How many workers consume each queue, by their own answer (remote control, not gossip)."""
    answers = current_app.control.inspect(timeout=timeout, connection=connection).active_queues()
    consumers: dict[str, int] = defaultdict(int)
    for queues in (answers or {}).values():
        for queue in {queue["name"] for queue in queues}:
            consumers[queue] += 1
    return consumers


def workers_listening(quantum: str) -> Check:
    """Asks the workers that consume the quantum's queue to answer; none answering is a problem."""
    try:
        listening = queue_consumers(timeout=PING_TIMEOUT_SECONDS).get(quantum)
    except Exception as error:
        return Check(f"{quantum} workers", f"{type(error).__name__}: {error}")
    if not listening:
        return Check(f"{quantum} workers", f"no worker answered on the {quantum} queue")
    return Check(f"{quantum} workers")


def web_readiness() -> tuple[bool, list[Check]]:
    """Ready when what the portal needs answers; every other component is reported alongside."""
    checks = [database_check(alias) for alias in settings.DATABASES] + [broker_check()]
    needed = {f"database {alias}" for alias in WEB_NEEDS}
    return all(check.ok for check in checks if check.component in needed), checks


def worker_readiness(quantum: str) -> list[Check]:
    broker = broker_check()
    workers = (
        workers_listening(quantum)
        if broker.ok
        else Check(f"{quantum} workers", "not asked: the broker does not answer")
    )
    return [database_check(quantum), broker, workers]
