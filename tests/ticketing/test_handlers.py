"""Ticketing takes a customer's ticket into processing as `new`, keeping the customer's ticket id."""

import pytest

from ticketing import handlers
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
