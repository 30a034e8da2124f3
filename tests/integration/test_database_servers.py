"""Every database on a server of its own: the six aliases in six PostgreSQL servers this module
starts, the system (web, workers, scheduler) given their six URLs, and tickets, cards and invoices
travel between them as they do on one server. A quantum's whole server stopped and started again
costs the portal nothing and loses or duplicates no ticket."""

import subprocess
from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections

from billing_quantum.models import Card
from billing_quantum.models import Invoice as IssuedInvoice
from customer_quantum.models import CardSummary, Customer
from customer_quantum.models import Invoice as ReceivedInvoice
from customer_quantum.models import Ticket as CustomerTicket
from tests.integration.billing import PERIOD, customers_to_bill
from tests.integration.conftest import remember_processes, require
from tests.integration.customers import CustomerAccount
from tests.integration.fault_report import LAST_RESORT_OUT_OF_REACH, FaultReport
from tests.integration.postgres_servers import (
    PostgresServer,
    databases_moved_to,
    postgres_servers,
    postgres_servers_problem,
)
from tests.integration.processes import wait_until
from tests.integration.system import (
    REPOSITORY,
    StartSystem,
    billing_card_keys,
    system_environment,
    urls_of_test_databases,
    venv_command,
)
from tests.integration.test_card_registration import NUMBER, register_card
from tests.integration.ticketing_outage import (
    every_delivery_put_back,
    every_ticket_applied_once,
    tickets_watched,
)
from ticketing.models import Expert
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

FLOW_TIMEOUT_SECONDS = 60
MIGRATE_TIMEOUT_SECONDS = 300
BILLING_QUANTA = ("customer", "billing")
BURST = 10


@pytest.fixture(scope="module")
def database_servers(
    django_db_setup: None, session_key_prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, PostgresServer]]:
    """A server per alias, each database migrated by `migrate_all_databases` given the six URLs,
    as an operator migrates them; this process's connections follow (after pytest-django has made
    its test databases, which they return to at the end)."""
    problem = postgres_servers_problem()
    require(problem is None, problem or "")
    folder = tmp_path_factory.mktemp("database-servers")
    with (
        postgres_servers(settings.DATABASE_ALIASES, log_dir=folder) as servers,
        databases_moved_to(servers),
    ):
        migrated = subprocess.run(
            venv_command("python", "manage.py migrate_all_databases"),
            cwd=REPOSITORY,
            env=system_environment(
                broker_url=settings.CELERY_BROKER_URL,
                broker_key_prefix=session_key_prefix,
                var_dir=folder / "var",
                overrides={},
            ),
            capture_output=True,
            text=True,
            timeout=MIGRATE_TIMEOUT_SECONDS,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        yield servers


@pytest.fixture(autouse=True)
def every_server_up_after_the_test(
    request: pytest.FixtureRequest, database_servers: dict[str, PostgresServer]
) -> Iterator[None]:
    """A failing test shows the servers' logs; and a server a test left stopped is started again
    before pytest-django empties the databases for the next test."""
    remember_processes(request, *(server.process for server in database_servers.values()))
    yield
    for server in database_servers.values():
        if not server.process.is_running():
            server.start().wait_until_serving()


def served_from(alias: str) -> tuple[int, str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT inet_server_port(), current_database()")
        return cursor.fetchone()


def test_each_database_is_on_a_server_of_its_own_and_the_processes_are_told_so(
    database_servers: dict[str, PostgresServer],
) -> None:
    assert {alias: served_from(alias) for alias in settings.DATABASE_ALIASES} == {
        alias: (server.port, f"sysops_{alias}") for alias, server in database_servers.items()
    }
    urls = urls_of_test_databases()
    assert len(urls) == len(settings.DATABASE_ALIASES) == 6
    servers_named = {url.split("@")[1].split("/")[0] for url in urls.values()}
    assert servers_named == {f"127.0.0.1:{server.port}" for server in database_servers.values()}


def test_a_ticket_goes_to_ticketings_server_and_its_assignment_comes_back(
    database_servers: dict[str, PostgresServer],
    start_system: StartSystem,
    customer_account: CustomerAccount,
) -> None:
    system = start_system()
    Customer.objects.filter(pk=customer_account.customer.pk).update(region="Springfield")
    expert = get_user_model().objects.create_user(username="grace-expert")
    Expert.objects.create(
        user_id=expert.id, name="Grace Expert", skills=["computer"], region="Springfield"
    )

    submitted = system.submit_ticket(token=customer_account.token, title="Screen flickers")

    assert submitted.status_code == 201, submitted.text
    ticket_id = submitted.json()["id"]
    wait_until(
        lambda: TicketingTicket.objects.filter(pk=ticket_id).exists(),
        timeout=FLOW_TIMEOUT_SECONDS,
        what="ticketing's server holds the ticket",
    )
    job = system.manage("assign_tickets")
    assert job.returncode == 0, job.stderr
    assigned = wait_until(
        lambda: CustomerTicket.objects.filter(pk=ticket_id, status="assigned").first(),
        timeout=FLOW_TIMEOUT_SECONDS,
        what="the customer's server shows the ticket assigned",
    )
    assert assigned.expert_name == "Grace Expert"


def test_a_card_goes_to_billings_server_and_comes_back_active(
    database_servers: dict[str, PostgresServer],
    start_system: StartSystem,
    customer_account: CustomerAccount,
) -> None:
    system = start_system(quanta=BILLING_QUANTA)

    response = register_card(system, customer_account.token, NUMBER)

    assert response.status_code == 202, response.text
    card_id = response.json()["id"]
    wait_until(
        lambda: CardSummary.objects.filter(pk=card_id, status="active").exists(),
        timeout=FLOW_TIMEOUT_SECONDS,
        what="the customer's server shows the card active",
    )
    assert Card.objects.get(card_id=card_id).last4 == NUMBER[-4:]


def test_invoices_go_from_billings_server_to_the_customers(
    database_servers: dict[str, PostgresServer], start_system: StartSystem
) -> None:
    system = start_system(quanta=BILLING_QUANTA)
    customers_to_bill(5)

    run = system.manage("run_payment_job", "--period", PERIOD, extra_env=billing_card_keys())

    assert run.returncode == 0, run.stderr
    issued = set(IssuedInvoice.objects.values_list("number", flat=True))
    assert len(issued) == 5
    wait_until(
        lambda: set(ReceivedInvoice.objects.values_list("number", flat=True)) == issued,
        timeout=FLOW_TIMEOUT_SECONDS,
        what="the customer's server holds every invoice",
    )


@pytest.mark.fault("a quantum's whole database server stopped")
def test_the_portal_takes_tickets_while_ticketings_server_is_stopped_and_each_arrives_once(
    database_servers: dict[str, PostgresServer],
    start_system: StartSystem,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    system = start_system(overrides=LAST_RESORT_OUT_OF_REACH)
    server = database_servers["ticketing"]
    connections["ticketing"].close()
    server.stop_immediately()

    ids = system.submit_tickets(
        token=customer_account.token, count=BURST, label="While ticketing's server is stopped"
    )
    tickets_watched(fault_report, ids)
    every_delivery_put_back(system.workers["ticketing"], count=BURST, timeout=FLOW_TIMEOUT_SECONDS)
    server.start().wait_until_serving()
    fault_report.cleared()

    every_ticket_applied_once(fault_report, ids, timeout=FLOW_TIMEOUT_SECONDS)
    assert httpx.get(f"{system.base_url}/health/ready/", timeout=10).status_code == 200
