"""A receiver whose database is down keeps its messages waiting, not lost: once the database is
back every message is applied exactly once, and the customer side never noticed."""

import pytest

from tests.integration.customers import CustomerAccount
from tests.integration.databases import database_down
from tests.integration.fault_report import FaultReport
from tests.integration.system import RunningSystem, StartSystem, urls_of_test_databases
from tests.integration.ticketing_outage import (
    every_delivery_put_back,
    every_ticket_applied_once,
    tickets_watched,
)

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
        tickets_watched(fault_report, ids)
        every_delivery_put_back(worker, count=BURST, timeout=TIMEOUT_SECONDS)
    fault_report.cleared()

    every_ticket_applied_once(fault_report, ids, timeout=TIMEOUT_SECONDS)
