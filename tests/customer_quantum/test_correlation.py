"""A request is a flow: its correlation id is named in the response and travels with its messages."""

import uuid

import pytest

from messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db(databases="__all__")


def test_a_request_names_its_flow_in_the_response(client):
    response = client.get("/accounts/login/")

    assert uuid.UUID(response["X-Correlation-ID"])


def test_messages_published_by_a_request_carry_the_callers_correlation_id(api):
    flow_id = uuid.uuid4()

    response = api.post(
        "/api/customer/tickets/",
        {"title": "Tablet will not charge", "device_category": "tablet"},
        format="json",
        HTTP_X_CORRELATION_ID=str(flow_id),
    )

    assert response["X-Correlation-ID"] == str(flow_id)
    assert OutboxMessage.objects.using("customer").get().correlation_id == flow_id


def test_a_malformed_correlation_header_is_replaced_not_trusted(client):
    response = client.get("/accounts/login/", HTTP_X_CORRELATION_ID="<script>")

    assert uuid.UUID(response["X-Correlation-ID"])
