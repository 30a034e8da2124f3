"""A ticket's whole life through real processes: submitted in the portal's API, assigned by the
job, worked by the expert through the mobile API, and each status shown on the customer's side."""

import httpx
import pytest
from django.contrib.auth import get_user_model

from customer_quantum.models import Customer
from customer_quantum.models import Ticket as CustomerTicket
from identity.services import api_token_issue
from tests.integration.customers import CustomerAccount
from tests.integration.processes import wait_until
from tests.integration.system import StartSystem
from ticketing.models import Expert
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DELIVERY_TIMEOUT_SECONDS = 20


def customer_status(ticket_id: str, status: str) -> CustomerTicket | None:
    return CustomerTicket.objects.filter(pk=ticket_id, status=status).first()


def test_a_ticket_goes_from_the_portal_to_completion_and_the_customer_sees_each_step(
    start_system: StartSystem, customer_account: CustomerAccount
) -> None:
    system = start_system()
    Customer.objects.filter(pk=customer_account.customer.pk).update(region="Springfield")
    expert_user = get_user_model().objects.create_user(username="ada-expert")
    Expert.objects.create(
        user_id=expert_user.id, name="Ada Expert", skills=["computer"], region="Springfield"
    )
    expert_api = httpx.Client(
        base_url=f"{system.base_url}/api/ticketing/",
        headers={"Authorization": f"Token {api_token_issue(user=expert_user)[1]}"},
        timeout=30,
    )

    submitted = system.submit_ticket(token=customer_account.token, title="Laptop overheats")
    assert submitted.status_code == 201, submitted.text
    ticket_id = submitted.json()["id"]
    received = wait_until(
        lambda: TicketingTicket.objects.filter(pk=ticket_id).first(),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="ticketing has stored the ticket",
    )
    assert received.customer_region == "Springfield"

    job = system.manage("assign_tickets")
    assert job.returncode == 0, job.stderr
    assert "1 assigned" in job.stdout
    assigned = wait_until(
        lambda: customer_status(ticket_id, "assigned"),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the customer's copy shows the expert assigned",
    )
    assert assigned.expert_name == "Ada Expert"
    assert assigned.expected_arrival is not None

    (assignment,) = expert_api.get("assignments/").json()["results"]
    assert assignment["ticket_id"] == ticket_id
    for step, data in [
        ("accept", {}),
        ("start", {}),
        ("complete", {"resolution_notes": "Cleaned the fan."}),
    ]:
        response = expert_api.post(f"assignments/{assignment['id']}/{step}/", json=data)
        assert response.status_code == 200, response.text

    completed = wait_until(
        lambda: customer_status(ticket_id, "completed"),
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the customer's copy shows the ticket completed",
    )
    timeline = list(completed.status_changes.values_list("sequence", "status"))
    assert timeline == [(1, "assigned"), (2, "accepted"), (3, "in_progress"), (4, "completed")]
    # The customer's API answers from the customer database alone.
    seen = httpx.get(
        f"{system.base_url}/api/customer/tickets/{ticket_id}/",
        headers={"Authorization": f"Token {customer_account.token}"},
        timeout=30,
    )
    assert (seen.json()["status"], seen.json()["expert_name"]) == ("completed", "Ada Expert")
