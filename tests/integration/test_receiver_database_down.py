"""A receiver whose database is down keeps its messages waiting, not lost: once the database is
back every message is applied exactly once, and the customer side never noticed."""

import pytest
from django.db import connections

from customer_quantum.models import OutboxMessage
from tests.integration.customers import CustomerAccount
from tests.integration.databases import database_down
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.processes import wait_until
from tests.integration.system import RunningSystem, StartSystem, urls_of_test_databases
from ticketing.models import InboxMessage
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

TIMEOUT_SECONDS = 60
BURST = 5


@pytest.fixture(params=["a connection per task", "connections kept between tasks"])
def system(request: pytest.FixtureRequest, start_system: StartSystem) -> RunningSystem:
    """The product's default, and production's advice: a worker that keeps its session when the
    database goes away must notice (the health check) and open a new one once it is back."""
    if request.param == "a connection per task":
        return start_system()
    return start_system(
        overrides={
            variable: f"{url}?conn_max_age=60&conn_health_checks=true"
            for variable, url in urls_of_test_databases().items()
        }
    )


def seen_afresh(query):
    """Runs the query on a new connection: under load this process's own connection to a database
    whose connections were cut was seen to keep answering with none of the worker's commits."""
    connections["ticketing"].close()
    return query()


@pytest.mark.fault("receiver's database down")
def test_messages_wait_while_the_receivers_database_is_down_then_arrive_once(
    system: RunningSystem, customer_account: CustomerAccount, fault_report: FaultReport
) -> None:
    worker = system.workers["ticketing"]
    with database_down("ticketing"):
        responses = [
            system.submit_ticket(token=customer_account.token, title=f"While ticketing is down {n}")
            for n in range(BURST)
        ]
        assert {response.status_code for response in responses} == {201}
        ids = {response.json()["id"] for response in responses}
        fault_report.watch(
            sent=ids,
            applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
            inbox=InboxMessage.objects.all(),
        )
        # Each message reached the worker, which could not even count it and will try again.
        wait_until(
            lambda: worker.log_since_start().count("Retry in") >= BURST,
            timeout=TIMEOUT_SECONDS,
            what="the ticketing worker has put every message back for a later try",
        )
    fault_report.cleared()

    wait_until(
        lambda: seen_afresh(lambda: TicketingTicket.objects.filter(pk__in=ids).count()) == BURST,
        timeout=TIMEOUT_SECONDS,
        what="ticketing has every ticket once its database is back",
    )
    wait_until(
        lambda: not OutboxMessage.objects.filter(confirmed_at__isnull=True).exists(),
        timeout=TIMEOUT_SECONDS,
        what="every message is confirmed",
    )
    fault_report.healed()
    assert fault_report.count() == FaultCounts(sent=BURST, applied=BURST, lost=0, duplicated=0)
    assert TicketingTicket.objects.count() == BURST
    assert InboxMessage.objects.filter(applied_at__isnull=False).count() == BURST
