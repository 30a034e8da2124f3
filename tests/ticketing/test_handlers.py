"""Ticketing takes a customer's ticket into processing as `new`, keeping the customer's ticket id."""

import uuid

import pytest
from django.utils import timezone

from message_contracts.tickets import TicketCreatedV2
from ticketing import handlers
from ticketing.endpoint import endpoint
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db(databases=["ticketing"])


def test_a_created_ticket_waits_as_new_under_the_customers_id(ticket_created):
    message = ticket_created()

    handlers.ticket_created(message)

    ticket = Ticket.objects.get()
    assert ticket.id == message.ticket_id
    assert ticket.status == "new"
    assert (ticket.title, ticket.priority, ticket.customer_name) == (
        "Phone screen cracked",
        "normal",
        "Alice Martin",
    )


def test_version_2_brings_the_customers_region_for_matching(ticket_created):
    version_1 = ticket_created()
    message = TicketCreatedV2(**version_1.model_dump(), customer_region=" Springfield ")

    handlers.ticket_created(message)

    assert Ticket.objects.get().customer_region == "Springfield"


def test_version_1_is_still_taken_in_without_a_region(ticket_created):
    endpoint.receive(
        {
            "id": str(uuid.uuid4()),
            "type": "TicketCreated",
            "version": 1,
            "occurred_at": timezone.now().isoformat(),
            "correlation_id": str(uuid.uuid4()),
            "sender": "customer",
            "payload": ticket_created().model_dump(mode="json"),
        }
    )

    assert Ticket.objects.get().customer_region == ""
