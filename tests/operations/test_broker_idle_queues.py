"""The sender's lost-message rule asks the broker whether a receiver holds any delivery: its own
periodic jobs, queued or taken by its worker, are never a copy of a message, so they must not
hold the receiver busy (its sweep runs at the same tick as the sender's, at nearly every look)."""

import pytest
from celery import current_app

from messaging import broker

pytestmark = pytest.mark.usefixtures("broker_on_redis")

RECEIVER = "ticketing"


def queued(task: str) -> None:
    current_app.send_task(task, args=[RECEIVER], queue=RECEIVER, declare=[], retry=False)


def test_a_queue_holding_only_its_own_sweep_is_idle():
    queued("messaging.sweep_outbox")

    assert broker.idle_queues({RECEIVER}) == {RECEIVER}


def test_a_queue_holding_a_delivery_is_busy():
    queued("messaging.sweep_outbox")
    queued(broker.DELIVERY_TASK)

    assert broker.idle_queues({RECEIVER}) == set()


@pytest.mark.parametrize(
    ("task", "idle"),
    [("messaging.sweep_outbox", {RECEIVER}), (broker.DELIVERY_TASK, set())],
    ids=["its-sweep", "a-delivery"],
)
def test_only_a_delivery_taken_by_a_worker_keeps_its_queue_busy(task, idle):
    queued(task)
    with current_app.connection_for_read() as connection:
        # Taken and not acknowledged, as a worker holds a task while it runs it.
        taken = connection.default_channel.basic_get(RECEIVER, no_ack=False)
        try:
            assert broker.idle_queues({RECEIVER}) == idle
        finally:
            taken.ack()
