"""Short-lived notes kept in the broker's Redis beside the queues, for readers that must not depend
on any quantum's database: a receiver whose workers cannot reach its database says so here.

Only a Redis broker holds notes; on any other transport nothing is written and nothing is read.
"""

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import redis
from celery import Celery
from django.utils import timezone
from kombu import Connection

logger = logging.getLogger(__name__)

# A note outlives the retry it announces by this much, so it lasts as long as the failures do.
NOTE_GRACE_SECONDS = 30
NOTE_MIN_SECONDS = 60

# Receivers this process has noted as failing: only these cost a Redis command on success.
_noted: set[str] = set()


@dataclass(frozen=True)
class DatabaseUnreachable:
    receiver: str
    error: str
    since: datetime  # the latest failure


@contextmanager
def broker_redis(connection: Connection) -> Iterator[tuple[redis.Redis, str] | None]:
    """A plain Redis client on the broker's own connection pool and the key prefix its queues use,
    or None when the broker is not Redis. kombu's prefixing client prefixes only the commands it
    uses itself (SET, but not GET), so keys are prefixed here, explicitly."""
    if connection.transport.driver_type != "redis":
        yield None
        return
    channel = connection.default_channel
    client = redis.Redis(connection_pool=channel.pool)
    yield client, channel.global_keyprefix


def _key(prefix: str, receiver: str) -> str:
    return f"{prefix}sysops:database-unreachable:{receiver}"


def note_database_unreachable(app: Celery, receiver: str, error: str, *, retry_in: float) -> None:
    """Called by a worker that could not reach its quantum's database to deliver a message; never
    raises, as the delivery's own retry matters more than the note."""
    note = json.dumps({"error": error, "since": timezone.now().isoformat()})
    try:
        with app.pool.acquire(block=True) as connection, broker_redis(connection) as broker:
            if broker is None:
                return
            client, prefix = broker
            seconds = max(NOTE_MIN_SECONDS, round(retry_in) + NOTE_GRACE_SECONDS)
            client.set(_key(prefix, receiver), note, ex=seconds)
    except Exception as failure:  # the broker being away too is the status report's to say
        logger.warning("could not note that %s's database is unreachable: %s", receiver, failure)
        return
    _noted.add(receiver)


def note_database_reachable(app: Celery, receiver: str) -> None:
    """Called after each delivery that reached the database: withdraws this process's note, if any,
    so the report clears at once rather than when the note expires."""
    if receiver not in _noted:
        return
    try:
        with app.pool.acquire(block=True) as connection, broker_redis(connection) as broker:
            if broker is not None:
                client, prefix = broker
                client.delete(_key(prefix, receiver))
    except Exception as failure:
        logger.warning("could not withdraw the note on %s's database: %s", receiver, failure)
        return
    _noted.discard(receiver)


def databases_unreachable(
    connection: Connection, receivers: Iterable[str]
) -> dict[str, DatabaseUnreachable]:
    """The receivers whose workers noted lately that they cannot reach their database."""
    receivers = list(receivers)
    with broker_redis(connection) as broker:
        if broker is None or not receivers:
            return {}
        client, prefix = broker
        notes = client.mget([_key(prefix, receiver) for receiver in receivers])
    found = {}
    for receiver, note in zip(receivers, notes, strict=True):
        if note is not None:
            fields = json.loads(note)
            found[receiver] = DatabaseUnreachable(
                receiver, fields["error"], datetime.fromisoformat(fields["since"])
            )
    return found
