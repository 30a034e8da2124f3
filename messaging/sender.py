"""A quantum's sending side: what it publishes stays in its outbox until the receiver confirms it.

`publish` stores the message in the sender's outbox inside the caller's transaction; once that
commits the message is handed to the broker (the fast path). A periodic sweep hands over again
whatever is not confirmed in time, so a message lost with a broker's data or with a killed worker
still arrives. The outbox row is the record of truth, never the queue.
"""

import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from messaging import broker
from messaging.backoff import backoff_delay
from messaging.compiled_insert import CompiledInsert
from messaging.contract import Envelope, Message
from messaging.errors import describe_error
from messaging.flow import current_correlation_id, flow
from messaging.models import OutboxMessage

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100


def resend_delay(sends: int) -> float:
    """How long a sender waits for a confirmation before handing a message over again: the
    timeout, doubled at each send, so a receiver down for hours is not flooded with copies."""
    return backoff_delay(
        attempt=sends,
        first=settings.MESSAGING_CONFIRM_TIMEOUT_SECONDS,
        longest=settings.MESSAGING_RESEND_MAX_SECONDS,
    )


class _ThreadProducer(threading.local):
    """Each thread's own producer on a broker connection of its own, kept from one hand-over to
    the next: borrowing one from Celery's pool and giving it back around every message was part of
    what the hand-over cost the request (issue 18). It is made again in a forked process (a socket
    is not shared between processes), wherever Celery renewed its own pool (after a fork, or the
    broker changed), and after a failed hand-over, so the next one starts from a new connection."""

    producer: Any = None
    owner: tuple[int, Any] | None = None

    def get(self) -> Any:
        owner = (os.getpid(), current_app.pool)
        if self.producer is None or self.owner != owner:
            self.drop()
            self.producer = current_app.amqp.Producer(current_app.connection_for_write())
            self.owner = owner
        return self.producer

    def drop(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None and self.owner[0] == os.getpid():
            with contextlib.suppress(Exception):  # a broken connection may fail to close too
                producer.connection.close()


_thread_producer = _ThreadProducer()
# A request stores one outbox row with its message: its INSERT is compiled once (issue 18).
_outbox_insert = CompiledInsert(OutboxMessage)


class Sender:
    # The sender whose messages are held back in the running block, and those messages.
    _held_back: ContextVar[tuple["Sender", list[OutboxMessage]] | None] = ContextVar(
        "held_back", default=None
    )

    def __init__(self, *, quantum: str) -> None:
        self.quantum = quantum
        # When this process's sweeps saw each receiver's queue idle (`_seen_idle`).
        self._idle_seen_at: dict[str, list[datetime]] = {}

    def publish(self, message: Message, *, correlation_id: uuid.UUID | None = None) -> uuid.UUID:
        return self.publish_all([message], correlation_id=correlation_id)[0]

    def publish_all(
        self, messages: Sequence[Message], *, correlation_id: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        """Stores the messages in the sender's outbox with one INSERT inside the caller's
        transaction; once that commits, one hook hands them to the broker in order. A job that
        publishes a batch's messages at once saves a statement and a commit hook per message."""
        now = timezone.now()
        correlation_id = correlation_id or current_correlation_id()
        rows = []
        for message in messages:
            message_id = uuid.uuid4()
            rows.append(
                OutboxMessage(
                    id=message_id,
                    type=message.TYPE,
                    version=message.VERSION,
                    receiver=message.RECEIVER,
                    correlation_id=correlation_id or message_id,
                    payload=message.model_dump(mode="json"),
                    created_at=now,
                    **self._delivery_state(now),
                )
            )
        held_back = self._held_back.get()
        if held_back is not None and held_back[0] is self:
            held_back[1].extend(rows)
        else:
            self._stored(rows)
        return [row.id for row in rows]

    @contextlib.contextmanager
    def published_together(self) -> Iterator[None]:
        """What the block publishes, inside the caller's transaction, is stored with one INSERT
        when it ends and handed over in one round trip to the broker once the transaction
        commits, instead of a statement and a round trip a message. A batch of deliveries
        publishes its handlers' messages so (issue 18). Nothing is stored if the block raises."""
        rows: list[OutboxMessage] = []
        token = self._held_back.set((self, rows))
        try:
            yield
        finally:
            self._held_back.reset(token)
        if rows:
            self._stored(rows)

    def _stored(self, rows: list[OutboxMessage]) -> None:
        # No savepoint of its own inside the caller's transaction (two statements saved): if the
        # rows cannot be stored, the caller's change must not commit either.
        with transaction.atomic(using=self.quantum, savepoint=False):
            _outbox_insert.store(rows, using=self.quantum)
            self._deliver(rows)

    def _delivery_state(self, now) -> dict[str, Any]:
        """Due for the sweep only if the fast path fails (then marked due at once) or the receiver
        does not confirm in time: a successful hand-over writes nothing more, which saves a commit
        per message."""
        return {"resend_at": now + timedelta(seconds=resend_delay(1))}

    def _deliver(self, rows: list[models.Model]) -> None:
        transaction.on_commit(lambda: self._hand_over_committed(rows), using=self.quantum)

    def _hand_over_committed(self, rows: list[models.Model]) -> None:
        """The fast path. Several rows go in one round trip where the transport batches what is
        published (kombu's publish batch, on Redis); if that round trip fails, which of them the
        broker took is unknown, and all are left to the next sweep (the receiver's inbox absorbs
        a copy)."""
        if len(rows) == 1:
            # A request's one message: a batch would only add its own bookkeeping to the command.
            self._handed_over_in_turn(rows)
            return
        producer = _thread_producer.get()
        try:
            with producer.batch():
                self._handed_over_in_turn(rows, producer=producer)
        except Exception as error:  # whatever the broker says, the sweep sends them later
            _thread_producer.drop()
            logger.warning(
                "%d messages not handed to the broker, the sweep will retry: %s",
                len(rows),
                describe_error(error),
            )
            self._refused(rows, error)

    def _handed_over_in_turn(self, rows: list[models.Model], producer=None) -> None:
        """At the first refusal the rest are left to the next sweep, rather than each waiting for
        the broker to refuse it."""
        for handed, row in enumerate(rows):
            if not self.hand_to_broker(row, first_hand_over=True, producer=producer):
                self._unconfirmed(*rows[handed + 1 :]).update(resend_at=timezone.now())
                return

    def sweep(self) -> int:
        """Hands the broker every message that is due: never handed over (broker down, process
        killed after commit), or handed over but not confirmed in time (the broker lost it, or the
        worker that took it died). Stops at the first refusal."""
        try:
            self._mark_lost_messages_due()
        except Exception as error:  # every transport raises its own kind
            logger.warning(
                "the broker cannot be read, lost messages wait for their confirmation timeout: %s",
                describe_error(error),
            )
        handed = 0
        while True:
            with transaction.atomic(using=self.quantum):
                batch = list(
                    OutboxMessage.objects.using(self.quantum)
                    .select_for_update(skip_locked=True)
                    .filter(confirmed_at__isnull=True, resend_at__lte=timezone.now())
                    .order_by("created_at")[:SWEEP_BATCH]
                )
                for row in batch:
                    if not self.hand_to_broker(row):
                        return handed
                    handed += 1
            if len(batch) < SWEEP_BATCH:
                return handed

    def _mark_lost_messages_due(self) -> None:
        """Makes due at once what the broker cannot have any more, instead of waiting for the
        confirmation timeout: everything unconfirmed after the broker restarted, and what was
        handed over before its receiver's queue was seen idle, if still unconfirmed a grace
        period after that look."""
        now = timezone.now()
        unconfirmed = OutboxMessage.objects.using(self.quantum).filter(
            confirmed_at__isnull=True, resend_at__gt=now
        )
        if broker.broker_restarted_since_last_sweep(self.quantum):
            if lost := unconfirmed.filter(created_at__lt=now).update(resend_at=now):
                logger.warning("the broker restarted: %d message(s) handed over again", lost)
            return
        receivers = set(unconfirmed.values_list("receiver", flat=True).distinct())
        for receiver in sorted(broker.idle_queues(receivers) if receivers else ()):
            if (seen_idle := self._seen_idle(receiver, now)) is None:
                continue
            lost = (
                unconfirmed.filter(receiver=receiver)
                .filter(
                    Q(sent_at__isnull=True, created_at__lt=seen_idle) | Q(sent_at__lt=seen_idle)
                )
                .update(resend_at=now)
            )
            if lost:
                logger.warning(
                    "%d message(s) unconfirmed by idle %s handed over again", lost, receiver
                )

    def _seen_idle(self, receiver: str, now: datetime) -> datetime | None:
        """Records that the receiver's queue was seen idle at `now` (taken before the look), and
        returns the latest such look at least the grace period old, if any. A message handed over
        before that look had been applied, buried or lost by then; applied or buried, its
        confirmation would be back within the grace period. A message applied just before the
        queue emptied is not lost: judged by the look that found it empty, a receiver that had just
        worked through a backlog was sent the whole backlog again, before its confirmations came
        back."""
        grace = timedelta(seconds=settings.MESSAGING_LOST_AFTER_SECONDS)
        looks = [*self._idle_seen_at.get(receiver, []), now]
        old_enough = [at for at in looks if at <= now - grace]
        self._idle_seen_at[receiver] = old_enough[-1:] + [at for at in looks if at > now - grace]
        return old_enough[-1] if old_enough else None

    def confirm(self, message_ids: list[str]) -> int:
        """The receiver has applied (or buried) these messages: they are never sent again."""
        return (
            OutboxMessage.objects.using(self.quantum)
            .filter(pk__in=message_ids, confirmed_at__isnull=True)
            .update(confirmed_at=timezone.now(), resend_at=None)
        )

    def prune(self, *, older_than: timedelta) -> int:
        """Forgets confirmed outbox rows past retention: bounded storage."""
        cutoff = timezone.now() - older_than
        pruned, _ = (
            OutboxMessage.objects.using(self.quantum).filter(confirmed_at__lt=cutoff).delete()
        )
        return pruned

    def envelope(self, row: models.Model) -> Envelope:
        return Envelope(
            id=row.id,
            type=row.type,
            version=row.version,
            occurred_at=row.created_at,
            correlation_id=row.correlation_id,
            sender=self.quantum,
            payload=row.payload,
        )

    def _publish(self, row: models.Model, *, first_hand_over: bool, producer) -> None:
        """The task that delivers the row's message, built by Celery's own task-message factory and
        published with its producer: `send_task` around the same two calls resolved options,
        routes and a result for every message, which cost the request more than the Redis command
        (issue 18). The task's id is the message's, so a copy is recognisable in the broker."""
        amqp = current_app.amqp
        task_message = amqp.create_task_message(
            str(row.id),
            broker.DELIVERY_TASK,
            [row.receiver, self.envelope(row).model_dump(mode="json")],
            # Lets the receiver apply it without counting the delivery first (issue 18).
            {"first_hand_over": first_hand_over},
            # What monitoring shows of the task: never the payload (customer data, a sealed card),
            # and not Celery's repr of it, which cost more than the Redis command.
            argsrepr=f"({row.receiver!r}, <{row.type} {row.id}>)",
            kwargsrepr="{}",
        )
        amqp.send_task_message(
            producer,
            broker.DELIVERY_TASK,
            task_message,
            queue=row.receiver,
            # Sent straight to the queue by its name (the default exchange), which needs no
            # declaration: the receiver's worker declares it. Declared again at every send, it
            # cost kombu a copy and a bind of the queue each time.
            declare=[],
            retry=False,
        )

    def _refused(self, rows: list[models.Model], error: Exception) -> None:
        self._unconfirmed(*rows).update(
            send_attempts=F("send_attempts") + 1,
            last_send_error=describe_error(error),
            resend_at=timezone.now(),
        )

    def _unconfirmed(self, *rows: models.Model) -> models.QuerySet:
        return OutboxMessage.objects.using(self.quantum).filter(
            pk__in=[row.pk for row in rows], confirmed_at__isnull=True
        )

    def hand_to_broker(
        self, row: models.Model, *, first_hand_over: bool = False, producer=None
    ) -> bool:
        """`first_hand_over`: the fast path's, after the commit; a successful one writes nothing
        (`_delivery_state`), every other is recorded. `producer`: the one to publish through when
        several rows are handed over in one batch; by default the thread's own."""
        try:
            self._publish(
                row, first_hand_over=first_hand_over, producer=producer or _thread_producer.get()
            )
        except Exception as error:  # whatever the broker says, the sweep sends it later
            _thread_producer.drop()
            with flow(row.correlation_id, message_id=row.id):
                logger.warning(
                    "%s not handed to the broker, the sweep will retry: %s",
                    row.type,
                    describe_error(error),
                )
            self._refused([row], error)
            return False
        if not first_hand_over:
            # The first hand-over (the fast path's) counts too: the wait doubles from there.
            now = timezone.now()
            self._unconfirmed(row).update(
                sent_at=now,
                send_attempts=F("send_attempts") + 1,
                last_send_error="",
                resend_at=now + timedelta(seconds=resend_delay(row.send_attempts + 2)),
            )
        return True
