"""The portal's busiest request stays cheap: a ticket submission reads the customer once and writes
the ticket and its message, nothing more (make bench measures the rest of its cost)."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db(databases="__all__")


def test_a_ticket_submission_reads_the_customer_once_and_writes_two_rows(api):
    with CaptureQueriesContext(connections["customer"]) as customer_database:
        response = api.post(
            "/api/customer/tickets/",
            {"title": "Screen flickers", "device_category": "computer", "priority": "normal"},
        )

    assert response.status_code == 201
    statements = [query["sql"] for query in customer_database.captured_queries]
    reads = [sql for sql in statements if sql.startswith("SELECT")]
    writes = [sql.split('"')[1] for sql in statements if sql.startswith(("INSERT", "UPDATE"))]
    assert len(reads) == 1
    assert writes == ["customer_quantum_ticket", "messaging_outboxmessage"]
