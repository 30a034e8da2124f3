"""What a test that takes ticketing's database away waits for and counts, whichever way it goes
(its database refusing connections, or its whole server stopped): every delivery put back while
it is away, then every ticket applied once and every message confirmed once it is back."""

import re
from collections.abc import Callable, Collection
from typing import TypeVar

from django.db import connections

from messaging.models import InboxMessage, OutboxMessage
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.processes import ManagedProcess, wait_until
from ticketing.models import Ticket as TicketingTicket

T = TypeVar("T")

# Celery's line for a delivery put back for a later try; a retry keeps the task's id.
DELIVERY_RETRIED = re.compile(r"messaging\.deliver\[([0-9a-f-]+)\] retry: Retry in")


def seen_afresh(query: Callable[[], T]) -> T:
    """Runs the query on a new connection: the one this process had was cut with the database,
    and under load it was seen to keep answering with none of the worker's commits."""
    connections["ticketing"].close()
    return query()


def tickets_watched(fault_report: FaultReport, ids: Collection[str]) -> None:
    fault_report.watch(
        sent=ids,
        applied=lambda: seen_afresh(lambda: TicketingTicket.objects.values_list("pk", flat=True)),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )


def every_delivery_put_back(worker: ManagedProcess, *, count: int, timeout: float) -> None:
    """Each message reached the worker, which could not even count it and will try again."""
    wait_until(
        lambda: len(set(DELIVERY_RETRIED.findall(worker.log_since_start()))) >= count,
        timeout=timeout,
        what="the ticketing worker has put every message back for a later try",
    )


def every_ticket_applied_once(
    fault_report: FaultReport, ids: Collection[str], *, timeout: float
) -> None:
    """Once the database is back: every ticket in ticketing, each message confirmed to the
    customer quantum, and the counts exact; the fault report notes how long healing took."""
    wait_until(
        lambda: seen_afresh(lambda: TicketingTicket.objects.filter(pk__in=ids).count()) == len(ids),
        timeout=timeout,
        what="ticketing has every ticket once its database is back",
    )
    wait_until(
        lambda: (
            not OutboxMessage.objects.using("customer").filter(confirmed_at__isnull=True).exists()
        ),
        timeout=timeout,
        what="every message is confirmed",
    )
    fault_report.healed()
    assert fault_report.count() == FaultCounts(
        sent=len(ids), applied=len(ids), lost=0, duplicated=0
    )
    assert TicketingTicket.objects.count() == len(ids)
    assert InboxMessage.objects.using("ticketing").filter(applied_at__isnull=False).count() == len(
        ids
    )
