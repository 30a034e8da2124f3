"""The benchmark's reference with its outbox row only stores the row the product stores, and that
row never becomes a message: no sweep hands it over, and no count of the product's messages (the
delivery checks, the drains) includes it."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from bench.portal.views import StoredOnly, customer_sender
from messaging.endpoint import endpoint_for
from messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_row_is_stored_with_one_insert_and_never_handed_over(
    ticket_created, queued, django_capture_on_commit_callbacks
):
    with (
        customer_sender(StoredOnly),
        CaptureQueriesContext(connections["customer"]) as queries,
        django_capture_on_commit_callbacks(using="customer", execute=True),
    ):
        message_id = endpoint_for("customer").publish(ticket_created())

    assert [q["sql"].split()[0] for q in queries.captured_queries].count("INSERT") == 1
    stored = OutboxMessage.objects.using("customer").get(pk=message_id)
    assert stored.type == "TicketCreated (stored only)"
    assert stored.confirmed_at is not None
    assert not OutboxMessage.objects.using("customer").filter(type="TicketCreated").exists()
    assert endpoint_for("customer").sender.sweep() == 0
    assert queued("ticketing") == []
