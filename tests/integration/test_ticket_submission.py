"""A customer's ticket travels from the web app through the broker to ticketing's database."""

import pytest
from django.conf import settings

from customer_quantum.models import Ticket as CustomerTicket
from tests.integration.customers import CustomerAccount
from tests.integration.processes import wait_until
from tests.integration.servers import keys_with_prefix
from tests.integration.system import RunningSystem
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DELIVERY_TIMEOUT_SECONDS = 20


def test_a_submitted_ticket_is_accepted_at_once_and_reaches_ticketing(
    system: RunningSystem, customer_account: CustomerAccount
) -> None:
    response = system.submit_ticket(token=customer_account.token, title="Laptop does not boot")

    assert response.status_code == 201, response.text
    submitted = response.json()
    # The answer is the customer's own copy: nothing in it waited for ticketing.
    assert submitted["status"] == "submitted"
    assert CustomerTicket.objects.filter(pk=submitted["id"]).exists()

    received = wait_until(
        lambda: TicketingTicket.objects.filter(pk=submitted["id"]).first(),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="ticketing has stored the ticket",
    )
    assert received.status == TicketingTicket.Status.NEW
    assert received.title == "Laptop does not boot"
    assert received.customer_id == customer_account.customer.id


def test_the_processes_keep_their_broker_keys_under_the_run_prefix(
    system: RunningSystem, customer_account: CustomerAccount
) -> None:
    """The suite shares the machine's Redis only because every process honours the key prefix."""
    prefix = system.setting("CELERY_BROKER_KEY_PREFIX")
    response = system.submit_ticket(token=customer_account.token, title="Printer jams")
    assert response.status_code == 201, response.text
    wait_until(
        lambda: TicketingTicket.objects.filter(pk=response.json()["id"]).exists(),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="ticketing has stored the ticket",
    )

    keys = keys_with_prefix(settings.CELERY_BROKER_URL, prefix)

    # Each worker declared its quantum's queue under the prefix, and the web app sent there.
    assert f"{prefix}_kombu.binding.customer" in keys
    assert f"{prefix}_kombu.binding.ticketing" in keys
