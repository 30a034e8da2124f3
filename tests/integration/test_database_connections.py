"""A worker configured for persistent connections keeps its database session from one message to
the next, as the web keeps it from one request to the next: Celery on its own closes every
connection around every task, so each message paid a new PostgreSQL session (config/celery.py)."""

import pytest
from django.db import connections

from tests.integration.customers import CustomerAccount
from tests.integration.processes import wait_until
from tests.integration.system import StartSystem, urls_of_test_databases
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

WORKER_APPLICATION_NAME = "sysops-test-worker"


def worker_sessions() -> set[int]:
    """The workers' sessions open on ticketing's database now (theirs alone: they name themselves)."""
    with connections["ticketing"].cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s",
            [WORKER_APPLICATION_NAME],
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_worker_keeps_its_database_session_from_one_message_to_the_next(
    start_system: StartSystem, customer_account: CustomerAccount
) -> None:
    system = start_system(
        worker_env={
            variable: f"{url}?conn_max_age=60&application_name={WORKER_APPLICATION_NAME}"
            for variable, url in urls_of_test_databases().items()
        }
    )

    def delivered(title: str) -> None:
        response = system.submit_ticket(token=customer_account.token, title=title)
        assert response.status_code == 201, response.text
        wait_until(
            lambda: TicketingTicket.objects.filter(pk=response.json()["id"]).exists(),
            timeout=20,
            what=f"ticketing has stored {title!r}",
        )

    delivered("The first ticket")
    after_first = worker_sessions()
    delivered("The second ticket")

    assert after_first, "the worker closed its session when the message was handled"
    assert after_first <= worker_sessions(), "the second message was handled in a new session"
