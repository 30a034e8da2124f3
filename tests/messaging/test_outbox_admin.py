"""What staff see of a quantum's outbox: whether the receiver confirmed each message, however it was
handed over, and why the broker refused one that waits for the sweep."""

import pytest

from customer_quantum.endpoint import endpoint as customer_endpoint

pytestmark = pytest.mark.django_db(databases="__all__")

OUTBOX = "/admin/messaging/outboxmessage/?quantum=customer"


def listed(client, query: str = "") -> tuple[set, str]:
    response = client.get(OUTBOX + query)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}, response.content.decode()


def test_the_outbox_lists_a_message_as_confirmed_or_not_and_why_the_broker_refused_one(
    admin_client, ticket_created, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        delivered = customer_endpoint.publish(ticket_created())
    assert customer_endpoint.sender.confirm([str(delivered)]) == 1
    broker.refuse()
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        refused = customer_endpoint.publish(ticket_created())

    confirmed, page = listed(admin_client, "&confirmed=yes")
    assert confirmed == {delivered}
    assert '<td class="field-confirmed_at nowrap">-</td>' not in page

    unconfirmed, page = listed(admin_client, "&confirmed=no")
    assert unconfirmed == {refused}
    assert '<td class="field-confirmed_at nowrap">-</td>' in page
    assert '<td class="field-send_attempts">1</td>' in page
    assert (
        '<td class="field-last_send_error">ConnectionRefusedError: the broker refuses every message'
        in page
    )
