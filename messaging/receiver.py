"""A quantum's receiving side: each message applied exactly once, or buried in dead letters.

A delivery that is surely the message's first (the sender's first hand-over, neither put back by
the broker nor retried) is applied in one transaction that also stores its inbox row: if the worker
dies in it, nothing is kept and the next delivery is counted. Every other delivery is counted in the
inbox in a transaction of its own, then the handler runs in a second transaction that also marks
the message applied, so a duplicate changes nothing and a message that keeps killing its worker
still runs out of deliveries and is buried. What it has settled (applied or buried) it confirms to
the sender, so the sender stops handing it over.
"""

import contextlib
import enum
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
    models,
    transaction,
)
from django.db.models import F
from django.utils import timezone

from messaging.backoff import backoff_delay
from messaging.compiled_insert import CompiledInsert
from messaging.contract import ContractViolation, Envelope, Message
from messaging.errors import describe_error
from messaging.flow import flow
from messaging.models import DeadLetter, InboxMessage
from messaging.sender import Sender

logger = logging.getLogger(__name__)

Handler = Callable[[Any], None]
BurialHandler = Callable[[Any, str], None]

CONFIRMATION_BATCH = 100
# A first delivery applied alone stores one inbox row: its INSERT is compiled once (issue 18).
_inbox_insert = CompiledInsert(InboxMessage)


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


def delivery_transaction(using: str) -> transaction.Atomic:
    """The transaction of a service that a message's handler calls. In a delivery it joins the
    receiver's, which any failure undoes whole, so it opens no savepoint of its own (two statements
    a message); called outside one (a command, a test), it is a transaction of its own."""
    return transaction.atomic(using=using, savepoint=False)


def retry_delay(deliveries: int) -> float:
    """Exponential backoff with jitter, capped well under the broker's visibility timeout."""
    ceiling = backoff_delay(
        attempt=deliveries,
        first=settings.MESSAGING_RETRY_BASE_SECONDS,
        longest=settings.MESSAGING_RETRY_MAX_SECONDS,
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


class Receiver:
    def __init__(
        self,
        *,
        quantum: str,
        handlers: Mapping[type[Message], Handler],
        on_burial: Mapping[type[Message], BurialHandler] | None = None,
        sender: Sender | None = None,
    ) -> None:
        """`on_burial` lets the receiver react when a message of that contract is given up on
        (typically by telling its sender), in the same transaction that stores the dead letter.
        `sender`: the quantum's own, through which its handlers publish; a batch of deliveries
        has it publish their messages together."""
        self.quantum = quantum
        self._published_together = sender.published_together if sender else contextlib.nullcontext
        self.handlers = {(contract.TYPE, contract.VERSION): h for contract, h in handlers.items()}
        self._burial_handlers = {
            (contract.TYPE, contract.VERSION): h for contract, h in (on_burial or {}).items()
        }

    def receive(self, raw: Any, *, first_delivery: bool = False) -> Outcome:
        try:
            envelope = Envelope.parse(raw)
        except ContractViolation as violation:
            return self._bury(raw, str(violation), deliveries=1)
        with flow(envelope.correlation_id, message_id=envelope.id):
            return self.receive_parsed(raw, envelope, first_delivery=first_delivery)

    def receive_parsed(
        self, raw: Any, envelope: Envelope, *, first_delivery: bool = False
    ) -> Outcome:
        """Receives a message whose envelope is already read, within the caller's flow.

        `first_delivery` only when the delivery is surely the message's first: it is then applied
        in one transaction with no count kept, so a worker killed in it leaves no trace and the
        next delivery (never a first one) is counted as usual."""
        if first_delivery and self._applied_at_once(envelope):
            logger.info("%s %s", envelope.type, Outcome.APPLIED)
            return Outcome.APPLIED
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
            InboxMessage.objects.using(self.quantum).filter(pk=envelope.id).update(
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

    def confirm_settled(self) -> int:
        """Tells each sender, one task per sender and batch, which of its messages this quantum has
        settled; returns how many. Not through the outbox: a lost confirmation costs only a resend,
        which the inbox absorbs (and confirms again)."""
        confirmed = 0
        while True:
            due = list(
                InboxMessage.objects.using(self.quantum)
                .filter(confirmation_due=True)
                .values_list("sender", "message_id")[:CONFIRMATION_BATCH]
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
                InboxMessage.objects.using(self.quantum).filter(pk__in=message_ids).update(
                    confirmation_due=False
                )
                confirmed += len(message_ids)
            if len(due) < CONFIRMATION_BATCH:
                return confirmed

    def prune(self, *, older_than: timedelta) -> int:
        """Forgets applied inbox rows past retention: bounded storage. An inbox row must outlive
        every duplicate of its message, so retention is kept far above the broker's visibility
        timeout and the sender's resend schedule."""
        cutoff = timezone.now() - older_than
        pruned, _ = InboxMessage.objects.using(self.quantum).filter(applied_at__lt=cutoff).delete()
        return pruned

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
            DeadLetter.objects.using(self.quantum).filter(pk=dead_letter.pk).update(
                error=describe_error(error), deliveries=F("deliveries") + 1
            )
            return describe_error(error)
        return None

    def _applied_at_once(self, envelope: Envelope) -> bool:
        """Applies a first delivery in one transaction. False when anything goes wrong (the row
        exists, the handler fails): nothing is kept, and the counted path decides, runs the
        handler again and keeps the error."""
        return self._first_deliveries_applied([envelope])

    def applied_together(self, raws: Sequence[Any]) -> bool:
        """First deliveries of several messages applied in one transaction, as a single first
        delivery is. False when anything goes wrong (a message unreadable or received already, a
        handler's error): nothing is kept, and each is received on its own, where a failure is
        counted against its message alone."""
        try:
            envelopes = [Envelope.parse(raw) for raw in raws]
        except ContractViolation:  # received on its own, it is buried
            return False
        if not self._first_deliveries_applied(envelopes):
            return False
        for envelope in envelopes:
            with flow(envelope.correlation_id, message_id=envelope.id):
                logger.info("%s %s", envelope.type, Outcome.APPLIED)
        return True

    def _first_deliveries_applied(self, envelopes: Sequence[Envelope]) -> bool:
        """Stores the inbox rows in one statement, runs each handler in turn and marks the rows
        applied in one statement, all in one transaction; False, with nothing kept, when anything
        goes wrong."""
        try:
            opened = [(envelope, *self._open(envelope)) for envelope in envelopes]
            inbox = InboxMessage.objects.using(self.quantum)
            with transaction.atomic(using=self.quantum):
                # The rows first: a copy delivered meanwhile stops at its key (waiting for this
                # transaction) before its handler runs, so a handler never runs for a duplicate.
                _inbox_insert.store(
                    [
                        InboxMessage(message_id=envelope.id, **self._new_inbox_row(envelope, 1))
                        for envelope in envelopes
                    ],
                    using=self.quantum,
                )
                with self._published_together():
                    for envelope, message, handler in opened:
                        with flow(envelope.correlation_id, message_id=envelope.id):
                            handler(message)
                inbox.filter(pk__in=[envelope.id for envelope in envelopes]).update(
                    **self._applied_state()
                )
        except Exception:  # on its own, each meets the same error and deals with it
            return False
        return True

    def _uncount_delivery(self, envelope: Envelope) -> None:
        """The receiver's own database went away while applying the message: not the message's
        fault, so that delivery does not spend its budget (a database that flaps for a while
        would otherwise bury good messages). Best effort: if the database is still away, the
        delivery stays counted."""
        connection = connections[self.quantum]
        connection.close_if_unusable_or_obsolete()
        with contextlib.suppress(DatabaseError):
            InboxMessage.objects.using(self.quantum).filter(
                pk=envelope.id, deliveries__gt=0
            ).update(deliveries=F("deliveries") - 1)

    def _open(self, envelope: Envelope) -> tuple[Message, Handler]:
        message = envelope.open()
        handler = self.handlers.get((envelope.type, envelope.version))
        if handler is None:
            raise ContractViolation(
                f"{self.quantum} has no handler for {envelope.type} v{envelope.version}"
            )
        return message, handler

    def _inbox_row(self, envelope: Envelope, *, deliveries: int = 0) -> tuple[models.Model, bool]:
        """The message's inbox row, locked; created (with `deliveries`) if it is the first time."""
        return (
            InboxMessage.objects.using(self.quantum)
            .select_for_update()
            .get_or_create(
                message_id=envelope.id, defaults=self._new_inbox_row(envelope, deliveries)
            )
        )

    @staticmethod
    def _new_inbox_row(envelope: Envelope, deliveries: int) -> dict[str, Any]:
        return {
            "type": envelope.type,
            "sender": envelope.sender,
            "correlation_id": envelope.correlation_id,
            "first_received_at": timezone.now(),
            "deliveries": deliveries,
        }

    def _apply(self, envelope: Envelope, message: Message, handler: Handler) -> Outcome:
        """Runs inside the caller's transaction, so the handler's writes and the mark commit together."""
        inbox, _ = self._inbox_row(envelope)
        if inbox.applied_at is not None:
            return Outcome.DUPLICATE
        self._handled(inbox, message, handler)
        return Outcome.APPLIED

    def _handled(self, inbox: models.Model, message: Message, handler: Handler) -> None:
        """Runs the handler and marks the inbox row applied and due for confirmation."""
        handler(message)
        applied = self._applied_state()
        for field, value in applied.items():
            setattr(inbox, field, value)
        inbox.save(update_fields=list(applied))

    @staticmethod
    def _applied_state() -> dict[str, Any]:
        return {"applied_at": timezone.now(), "last_error": "", "confirmation_due": True}

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
            letters = DeadLetter.objects.using(self.quantum)
            if envelope is None:
                letters.create(**fields)
            else:
                letters.update_or_create(message_id=envelope.id, defaults=fields)
                # Buried is settled too: the sender stops resending it.
                InboxMessage.objects.using(self.quantum).filter(pk=envelope.id).update(
                    confirmation_due=True
                )
        logger.error(
            "%s moved to dead letters: %s",
            fields["type"] or "unreadable message",
            fields["error"],
        )
        return Outcome.DEAD_LETTERED
