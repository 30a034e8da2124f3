"""What the kernel reads from a Redis broker to heal in seconds what Redis alone would heal in an hour.

Redis only emulates acknowledgements: a message taken by a worker is parked in the `unacked` hash
until it is acknowledged or the visibility timeout (an hour) runs out, and a Redis restarted without
its data forgets every queued message. The outbox still has each message, so what matters is
noticing soon which ones the broker no longer has:

- a restarted broker (its `run_id` changed since the quantum's last sweep) may have lost anything
  handed over before: every unconfirmed message is handed over again;
- a receiver seen with no delivery queued or in hand (its periodic jobs aside) has no copy of a
  message handed over before: still unconfirmed a grace period after that look, it was never
  handed over (its sender died between commit and hand-over) or was lost, and is handed over
  again;
- a worker that starts puts back in its queue what a killed worker of the same queue left parked,
  unless a live worker holds it.

A worker applying a delivery that is its message's first also takes the first deliveries waiting
right behind it, to apply them together (`first_deliveries_taken`).

Each copy this sends in error is absorbed by the receiver's inbox. Other transports (the unit
tests' in-memory one) have no such state: the functions then report nothing to heal.
"""

import contextlib
import json
import logging
import time
from collections.abc import Iterable, Iterator

from celery import current_app
from kombu.message import Message

logger = logging.getLogger(__name__)

UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"
# A hash, not plain keys: the transport prefixes HGET/HSET with the configured key prefix, not GET.
BROKER_RUNS_SEEN = "messaging:broker-run-seen"
HOLDERS_ANSWER_SECONDS = 1.0
# The task that carries a message to its receiver (messaging/tasks.py), the only kind whose copy a
# receiver's queue can hold.
DELIVERY_TASK = "messaging.deliver"
# A receiver's queue holds a few periodic jobs when idle; past this many entries it is busy anyway.
QUEUE_READ_AT_MOST = 100


def _redis_client(connection):
    """The transport's own client, which adds the configured key prefix; None for other brokers.
    The connection is borrowed from the app's pool: a sweep every 2 s per quantum must not open a
    new broker connection each time."""
    if connection.transport.driver_type != "redis":
        return None
    return connection.default_channel.client


def broker_restarted_since_last_sweep(quantum: str) -> bool:
    """True the first time a quantum's sweep meets a broker process it has not met before (a new
    broker also counts: whatever the sender handed to the old one may be gone)."""
    with current_app.pool.acquire(block=True) as connection:
        client = _redis_client(connection)
        if client is None:
            return False
        run_id = client.info("server")["run_id"]
        seen = client.hget(BROKER_RUNS_SEEN, quantum)
        if seen is not None and seen.decode() == run_id:
            return False
        client.hset(BROKER_RUNS_SEEN, quantum, run_id)
        return True


def _parked(client) -> list[tuple[bytes, float, dict, str]]:
    """Every message a worker has taken and not acknowledged: tag, when taken, message, queue."""
    taken = client.zrange(UNACKED_INDEX, 0, -1, withscores=True)
    pipe = client.pipeline(transaction=False)
    for tag, _ in taken:
        pipe.hget(UNACKED, tag)
    parked = []
    for (tag, taken_at), raw in zip(taken, pipe.execute(), strict=True):
        if raw is not None:
            message, _exchange, routing_key = json.loads(raw)
            parked.append((tag, taken_at, message, routing_key))
    return parked


def _is_delivery(message: dict) -> bool:
    return message.get("headers", {}).get("task") == DELIVERY_TASK


def _queue_key(client, queue: str) -> str:
    # LRANGE is not among the commands the transport's client prefixes.
    return getattr(client, "global_keyprefix", "") + queue


def _delivery_waiting(client, queue: str) -> bool:
    """Whether a delivery waits in the queue; a long queue is taken to hold one unread. One read
    of the queue's head, one past the limit, answers both."""
    waiting = client.lrange(_queue_key(client, queue), 0, QUEUE_READ_AT_MOST)
    return len(waiting) > QUEUE_READ_AT_MOST or any(
        _is_delivery(json.loads(raw)) for raw in waiting
    )


def idle_queues(queues: Iterable[str]) -> set[str]:
    """The queues with no delivery waiting and none taken by a worker. A queue's periodic jobs
    (its quantum's sweep, scheduled at the same tick as every other quantum's) do not count: none
    is a copy of a message, and the receiver's sweep in hand made its queue look busy at nearly
    every look of the sender's, so a lost message waited up to a minute instead of seconds."""
    queues = set(queues)
    with current_app.pool.acquire(block=True) as connection:
        client = _redis_client(connection)
        if client is None:
            return set()
        busy = {
            routing_key for _, _, message, routing_key in _parked(client) if _is_delivery(message)
        }
        return {queue for queue in queues - busy if not _delivery_waiting(client, queue)}


def orphans_requeue(queues: Iterable[str], *, taken_before: float) -> int:
    """Puts back at the head of their queue the messages of `queues` that a worker took before
    `taken_before` and that no live worker holds: the worker that took them was killed."""
    queues = set(queues)
    with current_app.pool.acquire(block=True) as connection:
        client = _redis_client(connection)
        if client is None:
            return 0
        channel = connection.default_channel
        candidates = {
            message["headers"]["id"]: tag
            for tag, taken_at, message, routing_key in _parked(client)
            if routing_key in queues and taken_at < taken_before
        }
        if not candidates:
            return 0
        answers = current_app.control.inspect(timeout=HOLDERS_ANSWER_SECONDS).query_task(
            *candidates
        )
        held = {task_id for tasks in (answers or {}).values() for task_id in tasks}
        orphans = [tag for task_id, tag in candidates.items() if task_id not in held]
        for tag in orphans:
            channel.qos.restore_by_tag(tag, client=client)
    if orphans:
        logger.warning(
            "%d message(s) left by a killed worker of %s put back in the queue",
            len(orphans),
            ", ".join(sorted(queues)),
        )
    return len(orphans)


class TakenDeliveries:
    """First deliveries taken from a queue beside the one a worker holds: parked unacknowledged, as
    the transport parks the task it hands a worker, so a worker killed meanwhile leaves them for the
    next one, as it leaves its own task."""

    def __init__(self, connection, taken: list[tuple[str, dict]]) -> None:
        self._connection = connection
        self._tags = [tag for tag, _ in taken]
        self.envelopes = [envelope for _, envelope in taken]

    def acknowledge(self) -> None:
        """All in one round trip: the transport acknowledges one message per command."""
        if self._tags:
            client = _redis_client(self._connection)
            pipe = client.pipeline(transaction=False)
            pipe.zrem(UNACKED_INDEX, *self._tags).hdel(UNACKED, *self._tags).execute()
        self._tags = []

    def put_back(self) -> None:
        """Back in the queue marked redelivered, so they are never taken together again: each is
        then received on its own and counted, as a message that failed with others must be."""
        _put_back(self._connection, self._tags)
        self._tags = []


def _put_back(connection, tags: list[str]) -> None:
    client = _redis_client(connection)
    for tag in tags:
        connection.default_channel.qos.restore_by_tag(tag, client=client, leftmost=True)


@contextlib.contextmanager
def first_deliveries_taken(queue: str, *, at_most: int) -> Iterator[TakenDeliveries]:
    """Takes the deliveries at the head of `queue` that are their message's first, up to
    `at_most` and stopping at the first that is not (a retry, a resend, a periodic job keep their
    place). What the block does not acknowledge goes back to the queue when it ends. Takes
    nothing from other brokers."""
    with current_app.pool.acquire(block=True) as connection:
        client = _redis_client(connection)
        taken = TakenDeliveries(
            connection, _first_deliveries_pop(connection, client, queue, at_most) if client else []
        )
        try:
            yield taken
        finally:
            taken.put_back()


def _first_deliveries_pop(connection, client, queue: str, at_most: int) -> list[tuple[str, dict]]:
    """The delivery tags of the messages taken, each with its envelope, read once from the queue's
    head. Popped and parked as the transport's `basic_get` pops and parks one task, in one round
    trip each for the whole run rather than per message. In a race with another worker of the
    queue, what was popped past the run's end goes back, marked redelivered."""
    if at_most < 1:
        return []
    channel = connection.default_channel
    # The queue's head is its right end: the transport pushes on the left and pops on the right.
    ready = []
    for raw in reversed(client.lrange(_queue_key(client, queue), -at_most, -1)):
        message = channel.Message(json.loads(raw), channel=channel)
        if (envelope := _first_hand_over_envelope(message)) is None:
            break
        ready.append((message.delivery_tag, envelope))
    if not ready:
        return []
    pipe = client.pipeline(transaction=False)
    for _ in ready:
        pipe.rpop(queue)
    payloads = [json.loads(raw) for raw in pipe.execute() if raw]
    _park(client, payloads)
    popped_tags = [payload["properties"]["delivery_tag"] for payload in payloads]
    taken = []
    for payload, popped_tag, (tag, envelope) in zip(payloads, popped_tags, ready, strict=False):
        if popped_tag != tag:
            # Another worker of the queue took the one read meanwhile: this one is read now.
            envelope = _first_hand_over_envelope(channel.Message(payload, channel=channel))
            if envelope is None:
                break
        taken.append((popped_tag, envelope))
    _put_back(connection, popped_tags[len(taken) :])
    return taken


def _park(client, payloads: list[dict]) -> None:
    """What the transport records of a task it hands a worker (its `QoS.append`): when it was
    taken, and the message as queued, to put back if the worker dies holding it."""
    if not payloads:
        return
    taken_at = time.time()
    parked = {}
    for payload in payloads:
        properties = payload["properties"]
        delivery = properties["delivery_info"]
        parked[properties["delivery_tag"]] = json.dumps(
            [payload, delivery["exchange"], delivery["routing_key"]]
        )
    pipe = client.pipeline(transaction=False)
    pipe.zadd(UNACKED_INDEX, dict.fromkeys(parked, taken_at))
    pipe.hset(UNACKED, mapping=parked)
    pipe.execute()


def _first_hand_over_envelope(message: Message) -> dict | None:
    """The envelope a delivery carries if it is the sender's first hand-over, else None."""
    headers = message.headers or {}
    if headers.get("task") != DELIVERY_TASK:
        return None
    (_receiver, envelope), kwargs, _embed = message.decode()
    first = surely_first_delivery(
        first_hand_over=kwargs.get("first_hand_over", False),
        redelivered=bool(headers.get("redelivered") or message.delivery_info.get("redelivered")),
        retries=headers.get("retries") or 0,
    )
    return envelope if first else None


def surely_first_delivery(*, first_hand_over: bool, redelivered: bool, retries: int) -> bool:
    """Only the sender's first hand-over, neither put back by the broker nor retried, may skip the
    delivery count: a worker killed in an uncounted delivery must not hide a poison message."""
    return first_hand_over and not redelivered and retries == 0
