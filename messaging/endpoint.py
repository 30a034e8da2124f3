"""A quantum's end of the message bus.

Sending: `publish` stores the message in the sender's outbox inside the caller's transaction; once
that commits the message is handed to the broker (the fast path). The receiver confirms each
message it has settled (applied, or buried in dead letters); a periodic sweep hands over again
whatever is not confirmed in time, so a message lost with a broker's data or with a killed worker
still arrives. The outbox row is the record of truth, never the queue.

Receiving: each delivery is counted in the inbox in a transaction of its own, then the handler runs
in a second transaction that also marks the message applied, so a duplicate changes nothing and a
message that keeps killing its worker still runs out of deliveries and is buried in dead letters.
"""

import contextlib
import enum
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cached_property
from typing import Any

from celery import current_app
from django.apps import apps
from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
    models,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

from messaging import broker
from messaging.backoff import backoff_delay
from messaging.contract import ContractViolation, Envelope, Message
from messaging.flow import current_correlation_id, flow

logger = logging.getLogger(__name__)

Handler = Callable[[Any], None]
BurialHandler = Callable[[Any, str], None]

SWEEP_BATCH = 100


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead-lettered"


class Unprocessable(Exception):
    """Raised by a handler when no retry can help: the message goes straight to dead letters."""


class RetryLater(Exception):
    def __init__(self, delay: float) -> None:
        super().__init__(f"retry in {delay:.1f}s")
        self.delay = delay


def resend_delay(sends: int) -> float:
    """How long a sender waits for a confirmation before handing a message over again: the
    timeout, doubled at each send, so a receiver down for hours is not flooded with copies."""
    return backoff_delay(
        attempt=sends,
        first=settings.MESSAGING_CONFIRM_TIMEOUT_SECONDS,
        longest=settings.MESSAGING_RESEND_MAX_SECONDS,
    )


def retry_delay(deliveries: int) -> float:
    """Exponential backoff with jitter, capped well under the broker's visibility timeout."""
    ceiling = backoff_delay(
        attempt=deliveries,
        first=settings.MESSAGING_RETRY_BASE_SECONDS,
        longest=settings.MESSAGING_RETRY_MAX_SECONDS,
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


class Endpoint:
    def __init__(
        self,
        *,
        app_label: str,
        handlers: Mapping[type[Message], Handler],
        on_burial: Mapping[type[Message], BurialHandler] | None = None,
    ) -> None:
        """`on_burial` lets the receiver react when a message of that contract is given up on
        (typically by telling its sender), in the same transaction that stores the dead letter."""
        self.app_label = app_label
        self._handlers = {(contract.TYPE, contract.VERSION): h for contract, h in handlers.items()}
        self._burial_handlers = {
            (contract.TYPE, contract.VERSION): h for contract, h in (on_burial or {}).items()
        }

    @cached_property
    def quantum(self) -> str:
        """The quantum's name, which is also its database alias and the queue it listens on."""
        return apps.get_app_config(self.app_label).database

    @cached_property
    def outbox(self) -> type[models.Model]:
        return apps.get_model(self.app_label, "OutboxMessage")

    @cached_property
    def inbox(self) -> type[models.Model]:
        return apps.get_model(self.app_label, "InboxMessage")

    @cached_property
    def dead_letters(self) -> type[models.Model]:
        return apps.get_model(self.app_label, "DeadLetter")

    @cached_property
    def job_runs(self) -> type[models.Model]:
        return apps.get_model(self.app_label, "JobRun")

    def publish(self, message: Message, *, correlation_id: uuid.UUID | None = None) -> uuid.UUID:
        message_id = uuid.uuid4()
        inline = settings.MESSAGING_DELIVERY == "inline"
        # No savepoint of its own inside the caller's transaction (two statements saved per
        # message): if the row cannot be stored, the caller's change must not commit either.
        with transaction.atomic(using=self.quantum, savepoint=False):
            row = self.outbox.objects.using(self.quantum).create(
                id=message_id,
                type=message.TYPE,
                version=message.VERSION,
                receiver=message.RECEIVER,
                correlation_id=correlation_id or current_correlation_id() or message_id,
                payload=message.model_dump(mode="json"),
                created_at=(now := timezone.now()),
                # Due for the sweep only if the fast path fails (then marked due at once) or the
                # receiver does not confirm in time: a successful hand-over writes nothing more,
                # which saves a commit per message.
                resend_at=None if inline else now + timedelta(seconds=resend_delay(1)),
                confirmed_at=now if inline else None,
            )
            if inline:
                self._deliver_inline(row)
            else:
                transaction.on_commit(
                    lambda: self._hand_to_broker(row, record_success=False), using=self.quantum
                )
        return message_id

    def _deliver_inline(self, row: models.Model) -> None:
        """The synchronous coupling the message bus replaces, kept only as the benchmark's baseline
        (MESSAGING_DELIVERY=inline): the receiver applies the message inside the sender's
        request and transaction, so the sender fails, or waits, whenever the receiver does."""
        envelope = self._envelope(row)
        with flow(envelope.correlation_id, message_id=envelope.id):
            endpoint_for(row.receiver)._receive(envelope.model_dump(mode="json"), envelope)

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
                    self.outbox.objects.using(self.quantum)
                    .select_for_update(skip_locked=True)
                    .filter(confirmed_at__isnull=True, resend_at__lte=timezone.now())
                    .order_by("created_at")[:SWEEP_BATCH]
                )
                for row in batch:
                    if not self._hand_to_broker(row):
                        return handed
                    handed += 1
            if len(batch) < SWEEP_BATCH:
                return handed

    def _mark_lost_messages_due(self) -> None:
        """Makes due at once what the broker cannot have any more, instead of waiting for the
        confirmation timeout: everything unconfirmed after the broker restarted, and what stays
        unconfirmed past the grace period while its receiver has nothing queued or in hand."""
        now = timezone.now()
        unconfirmed = self.outbox.objects.using(self.quantum).filter(
            confirmed_at__isnull=True, resend_at__gt=now
        )
        if broker.broker_restarted_since_last_sweep(self.quantum):
            if lost := unconfirmed.filter(created_at__lt=now).update(resend_at=now):
                logger.warning("the broker restarted: %d message(s) handed over again", lost)
            return
        handed_before = now - timedelta(seconds=settings.MESSAGING_LOST_AFTER_SECONDS)
        overdue = unconfirmed.filter(
            Q(sent_at__isnull=True, created_at__lt=handed_before) | Q(sent_at__lt=handed_before)
        )
        receivers = set(overdue.values_list("receiver", flat=True).distinct())
        if idle := broker.idle_queues(receivers) if receivers else set():
            lost = overdue.filter(receiver__in=idle).update(resend_at=now)
            logger.warning(
                "%d message(s) unconfirmed by idle %s handed over again", lost, ", ".join(idle)
            )

    def confirm(self, message_ids: list[str]) -> int:
        """The receiver has applied (or buried) these messages: they are never sent again."""
        return (
            self.outbox.objects.using(self.quantum)
            .filter(pk__in=message_ids, confirmed_at__isnull=True)
            .update(confirmed_at=timezone.now(), resend_at=None)
        )

    def prune(self, *, older_than: timedelta) -> tuple[int, int]:
        """Forgets confirmed outbox rows and applied inbox rows past retention: bounded storage.

        An inbox row must outlive every duplicate of its message, so retention is kept far above
        the broker's visibility timeout and the resend schedule.
        """
        cutoff = timezone.now() - older_than
        outbox, _ = self.outbox.objects.using(self.quantum).filter(confirmed_at__lt=cutoff).delete()
        inbox, _ = self.inbox.objects.using(self.quantum).filter(applied_at__lt=cutoff).delete()
        return outbox, inbox

    def _envelope(self, row: models.Model) -> Envelope:
        return Envelope(
            id=row.id,
            type=row.type,
            version=row.version,
            occurred_at=row.created_at,
            correlation_id=row.correlation_id,
            sender=self.quantum,
            payload=row.payload,
        )

    def _unconfirmed(self, row: models.Model) -> models.QuerySet:
        return self.outbox.objects.using(self.quantum).filter(pk=row.pk, confirmed_at__isnull=True)

    def _hand_to_broker(self, row: models.Model, *, record_success: bool = True) -> bool:
        envelope = self._envelope(row)
        try:
            current_app.send_task(
                "messaging.deliver",
                args=[row.receiver, envelope.model_dump(mode="json")],
                # What monitoring shows of the task: never the payload (customer data, a sealed
                # card), and not Celery's repr of it, which cost more than the Redis command.
                argsrepr=f"({row.receiver!r}, <{row.type} {row.id}>)",
                kwargsrepr="{}",
                queue=row.receiver,
                task_id=str(row.id),
                retry=False,
            )
        except Exception as error:  # whatever the broker says, the sweep sends it later
            with flow(row.correlation_id, message_id=row.id):
                logger.warning(
                    "%s not handed to the broker, the sweep will retry: %s",
                    row.type,
                    describe_error(error),
                )
            self._unconfirmed(row).update(
                send_attempts=F("send_attempts") + 1,
                last_send_error=describe_error(error),
                resend_at=timezone.now(),
            )
            return False
        if record_success:
            # The first hand-over (the fast path's) counts too: the wait doubles from there.
            now = timezone.now()
            self._unconfirmed(row).update(
                sent_at=now,
                send_attempts=F("send_attempts") + 1,
                last_send_error="",
                resend_at=now + timedelta(seconds=resend_delay(row.send_attempts + 2)),
            )
        return True

    def receive(self, raw: Any) -> Outcome:
        try:
            envelope = Envelope.parse(raw)
        except ContractViolation as violation:
            return self._bury(raw, str(violation), deliveries=1)
        with flow(envelope.correlation_id, message_id=envelope.id):
            return self._receive(raw, envelope)

    def confirm_settled(self) -> int:
        """Tells each sender, one task per sender and batch, which of its messages this quantum has
        settled; returns how many. Not through the outbox: a lost confirmation costs only a resend,
        which the inbox absorbs (and confirms again)."""
        confirmed = 0
        while True:
            due = list(
                self.inbox.objects.using(self.quantum)
                .filter(confirmation_due=True)
                .values_list("sender", "message_id")[:SWEEP_BATCH]
            )
            by_sender: dict[str, list[str]] = {}
            for sender, message_id in due:
                by_sender.setdefault(sender, []).append(str(message_id))
            for sender, message_ids in by_sender.items():
                try:
                    current_app.send_task(
                        "messaging.confirm", args=[sender, message_ids], queue=sender, retry=False
                    )
                except Exception as error:
                    logger.warning(
                        "confirmations not sent, the next sweep tries again: %s",
                        describe_error(error),
                    )
                    return confirmed
                self.inbox.objects.using(self.quantum).filter(pk__in=message_ids).update(
                    confirmation_due=False
                )
                confirmed += len(message_ids)
            if len(due) < SWEEP_BATCH:
                return confirmed

    def _receive(self, raw: Any, envelope: Envelope) -> Outcome:
        with transaction.atomic(using=self.quantum):
            inbox, first_delivery = self._inbox_row(envelope, deliveries=1)
            if not first_delivery:
                inbox.deliveries += 1
                # Applied already: the sender did not hear of it, so it is told again.
                inbox.confirmation_due = inbox.applied_at is not None
                inbox.save(update_fields=["deliveries", "confirmation_due"])
        if inbox.applied_at is not None:
            logger.info("%s already applied, duplicate ignored", envelope.type)
            return Outcome.DUPLICATE

        try:
            message, handler = self._open(envelope)
        except ContractViolation as violation:
            return self._bury(raw, str(violation), inbox.deliveries, envelope)
        if inbox.deliveries > settings.MESSAGING_MAX_DELIVERIES:
            reason = inbox.last_error or "the worker was lost while applying it"
            return self._bury(
                raw,
                f"gave up after {inbox.deliveries - 1} deliveries: {reason}",
                inbox.deliveries,
                envelope,
                message,
            )
        try:
            with transaction.atomic(using=self.quantum):
                outcome = self._apply(envelope, message, handler)
        except Unprocessable as error:
            return self._bury(raw, str(error), inbox.deliveries, envelope, message)
        except (OperationalError, InterfaceError):
            self._uncount_delivery(envelope)
            raise
        except Exception as error:
            if inbox.deliveries >= settings.MESSAGING_MAX_DELIVERIES:
                return self._bury(raw, describe_error(error), inbox.deliveries, envelope, message)
            self.inbox.objects.using(self.quantum).filter(pk=envelope.id).update(
                last_error=describe_error(error)
            )
            delay = retry_delay(inbox.deliveries)
            logger.warning(
                "%s failed on delivery %d, retrying in %.1fs: %s",
                envelope.type,
                inbox.deliveries,
                delay,
                describe_error(error),
            )
            raise RetryLater(delay) from error
        logger.info("%s %s", envelope.type, outcome)
        return outcome

    def _uncount_delivery(self, envelope: Envelope) -> None:
        """The receiver's own database went away while applying the message: not the message's
        fault, so that delivery does not spend its budget (a database that flaps for a while
        would otherwise bury good messages). Best effort: if the database is still away, the
        delivery stays counted."""
        connection = connections[self.quantum]
        connection.close_if_unusable_or_obsolete()
        with contextlib.suppress(DatabaseError):
            self.inbox.objects.using(self.quantum).filter(pk=envelope.id, deliveries__gt=0).update(
                deliveries=F("deliveries") - 1
            )

    def replay(self, dead_letter: models.Model) -> str | None:
        """Applies a dead letter again, outside the retry budget; returns why it still fails."""
        try:
            envelope = Envelope.parse(dead_letter.envelope)
            message, handler = self._open(envelope)
            with (
                flow(envelope.correlation_id, message_id=envelope.id),
                transaction.atomic(using=self.quantum),
            ):
                self._apply(envelope, message, handler)
                dead_letter.delete(using=self.quantum)
        except Exception as error:
            self.dead_letters.objects.using(self.quantum).filter(pk=dead_letter.pk).update(
                error=describe_error(error), deliveries=F("deliveries") + 1
            )
            return describe_error(error)
        return None

    def _open(self, envelope: Envelope) -> tuple[Message, Handler]:
        message = envelope.open()
        handler = self._handlers.get((envelope.type, envelope.version))
        if handler is None:
            raise ContractViolation(
                f"{self.quantum} has no handler for {envelope.type} v{envelope.version}"
            )
        return message, handler

    def _inbox_row(self, envelope: Envelope, *, deliveries: int = 0) -> tuple[models.Model, bool]:
        """The message's inbox row, locked; created (with `deliveries`) if it is the first time."""
        return (
            self.inbox.objects.using(self.quantum)
            .select_for_update()
            .get_or_create(
                message_id=envelope.id,
                defaults={
                    "type": envelope.type,
                    "sender": envelope.sender,
                    "correlation_id": envelope.correlation_id,
                    "first_received_at": timezone.now(),
                    "deliveries": deliveries,
                },
            )
        )

    def _apply(self, envelope: Envelope, message: Message, handler: Handler) -> Outcome:
        """Runs inside the caller's transaction, so the handler's writes and the mark commit together."""
        inbox, _ = self._inbox_row(envelope)
        if inbox.applied_at is not None:
            return Outcome.DUPLICATE
        handler(message)
        inbox.applied_at = timezone.now()
        inbox.last_error = ""
        inbox.confirmation_due = True
        inbox.save(update_fields=["applied_at", "last_error", "confirmation_due"])
        return Outcome.APPLIED

    def _bury(
        self,
        raw: Any,
        reason: str,
        deliveries: int,
        envelope: Envelope | None = None,
        message: Message | None = None,
    ) -> Outcome:
        fields = {
            "type": envelope.type if envelope else "",
            "sender": envelope.sender if envelope else "",
            "envelope": raw,
            "error": reason[:2000],
            "deliveries": deliveries,
            "dead_since": timezone.now(),
        }
        burial_handler = envelope and self._burial_handlers.get((envelope.type, envelope.version))
        with transaction.atomic(using=self.quantum):
            if burial_handler and message is not None:
                try:
                    with transaction.atomic(using=self.quantum):
                        burial_handler(message, reason)
                except Exception as error:
                    fields["error"] = f"{reason}; and on burial: {describe_error(error)}"[:2000]
            letters = self.dead_letters.objects.using(self.quantum)
            if envelope is None:
                letters.create(**fields)
            else:
                letters.update_or_create(message_id=envelope.id, defaults=fields)
                # Buried is settled too: the sender stops resending it.
                self.inbox.objects.using(self.quantum).filter(pk=envelope.id).update(
                    confirmation_due=True
                )
        logger.error(
            "%s moved to dead letters: %s",
            fields["type"] or "unreadable message",
            fields["error"],
        )
        return Outcome.DEAD_LETTERED


_endpoints: dict[str, Endpoint] = {}


def register(endpoint: Endpoint) -> None:
    _endpoints[endpoint.quantum] = endpoint


def endpoint_for(quantum: str) -> Endpoint:
    return _endpoints[quantum]


def endpoints() -> list[Endpoint]:
    return list(_endpoints.values())
