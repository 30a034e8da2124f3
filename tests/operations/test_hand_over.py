"""The fast path hands a message over through a producer its thread keeps from one message to the
next (issue 18). A broker that restarted must not leave that producer broken: a message the broker
refused meanwhile is due for the sweep, and the messages after it are handed over again."""

import json
from collections.abc import Iterator

import pytest
from celery import current_app
from django.db import transaction
from django.utils import timezone

from customer_quantum.endpoint import endpoint as customer_endpoint
from messaging.models import OutboxMessage
from tests.integration.processes import free_port
from tests.integration.servers import RedisServer
from tests.operations.conftest import broker_used

pytestmark = pytest.mark.django_db(databases="__all__")

RECEIVER = "ticketing"


@pytest.fixture
def own_broker(tmp_path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, which it stops: the app's broker while the test runs."""
    server = RedisServer(
        port=free_port(), data_dir=tmp_path / "data", log_path=tmp_path / "redis.log"
    )
    try:
        with broker_used(server.start().url, ""):
            yield server
    finally:
        server.terminate()


@pytest.fixture
def published(ticket_created, django_capture_on_commit_callbacks):
    """Publishes a TicketCreated from the customer quantum, its fast path run at the commit as in
    a request; returns its outbox row as the hand-over left it."""

    def publish() -> OutboxMessage:
        with (
            django_capture_on_commit_callbacks(using="customer", execute=True),
            transaction.atomic(using="customer"),
        ):
            message_id = customer_endpoint.publish(ticket_created())
        return OutboxMessage.objects.using("customer").get(pk=message_id)

    return publish


def queued(row: OutboxMessage) -> bool:
    with current_app.connection_for_read() as connection:
        raws = connection.default_channel.client.lrange(RECEIVER, 0, -1)
    return str(row.id) in {json.loads(raw)["headers"]["id"] for raw in raws}


def due_for_the_sweep(row: OutboxMessage) -> bool:
    return row.resend_at <= timezone.now()


def test_a_message_refused_while_the_broker_is_down_is_due_and_the_next_ones_are_handed_over(
    own_broker, published
):
    assert queued(published())

    own_broker.stop()
    refused = published()
    assert due_for_the_sweep(refused)
    assert refused.send_attempts == 1 and refused.last_send_error

    own_broker.start()
    after = published()
    assert queued(after) and not due_for_the_sweep(after)


def test_a_broker_restarted_between_two_messages_takes_the_second(own_broker, published):
    """The thread's producer still holds a connection to the broker process that is gone."""
    assert queued(published())

    own_broker.stop()
    own_broker.start()
    after = [published(), published()]

    assert queued(after[-1]) and not due_for_the_sweep(after[-1])
