"""A message trace: every hop of the messages behind one ticket, card, invoice or correlation id,
across every quantum, on one timeline (the admin's sequence diagram and `manage.py trace`).

It reads only the kernel's tables, in each quantum's own database: the senders' outboxes, the
receivers' inboxes, dead letters and their replays. Which operations concern a ticket, card or
invoice is read from the messages' own payloads, under the names the message contracts give those
ids, so neither the kernel nor this module asks a quantum's business tables.

Two hops have no time of their own, and are drawn after the hop before them. The fast path hands a
message to the broker as its transaction commits and writes nothing more (a commit saved per
message); only the sweep's hand-overs are timed. And the inbox counts a message's deliveries and
keeps the last error, not when each retry came.
"""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.utils import timezone

from config.durations import human_duration
from messaging.errors import describe_error
from messaging.models import (
    DeadLetter,
    DeadLetterReplay,
    InboxMessage,
    OutboxMessage,
    seen_permission,
)

# The message contracts' names for what staff look for: `reference` is what a notification is
# about (a ticket's id).
SUBJECT_KEYS = ("ticket_id", "card_id", "invoice_id", "reference")
BROKER = "broker"
DETAIL_LENGTH = 300


class NothingToTrace(Exception):
    """The id is malformed, or no message names it; the text says which, in one line."""


class HopKind(enum.StrEnum):
    STORED = "stored in the outbox"
    HANDED_OVER = "handed to the broker"
    REFUSED = "refused by the broker"
    RECEIVED = "received"
    RETRIED = "delivered again"
    APPLIED = "applied"
    DEAD_LETTERED = "dead-lettered"
    REPLAY_REQUESTED = "replay requested"
    REPLAY_RAN = "replay ran"
    CONFIRMED = "confirmed to the sender"


@dataclass(frozen=True)
class Hop:
    at: datetime | None  # None: not recorded; it happened after the message's hop before it
    kind: HopKind
    message_id: uuid.UUID | None
    message_type: str
    source: str  # the lifeline the arrow leaves: a quantum, or the broker
    target: str  # the lifeline it reaches; the same as `source` for a step inside one quantum
    detail: str = ""


@dataclass(frozen=True)
class Trace:
    subject: uuid.UUID
    correlation_ids: list[uuid.UUID]
    lifelines: list[str]
    hops: list[Hop]  # in the order they happened
    unreadable: dict[str, str] = field(default_factory=dict)  # quantum → why it could not be read

    @property
    def started_at(self) -> datetime:
        return min(hop.at for hop in self.hops if hop.at is not None)


@dataclass
class _Message:
    """What each database knows of one message."""

    id: uuid.UUID | None
    type: str = ""
    sender: str = ""
    receiver: str = ""
    outbox: models.Model | None = None
    inbox: models.Model | None = None
    dead_letter: models.Model | None = None
    replays: list[models.Model] = field(default_factory=list)


def subject_parsed(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise NothingToTrace(
            f"{text.strip()[:60]!r} is not an id: give a ticket, card or invoice id, or a "
            "correlation or message id (a UUID such as 3f2b9c1e-…)"
        ) from None


def message_trace(*, subject: uuid.UUID) -> Trace:
    """Every hop of the operations that concern `subject`: a correlation id, a message id, or a
    ticket, card or invoice id named in a message. Raises NothingToTrace when no message names it."""
    unreadable: dict[str, str] = {}
    correlation_ids = _correlation_ids(subject, unreadable, _ids_naming)
    # Only an id that is neither a message's nor an operation's costs a scan of the payloads.
    correlation_ids = correlation_ids or _correlation_ids(subject, unreadable, _payloads_naming)
    messages: dict[object, _Message] = {}
    if correlation_ids:
        for quantum in settings.QUANTA:
            _read(quantum, unreadable, _collect, correlation_ids, messages)
    hops = _in_order([_hops(message) for message in messages.values()])
    if not hops:
        where = f" (unreadable: {', '.join(unreadable)})" if unreadable else ""
        raise NothingToTrace(f"no message names {subject}{where}")
    return Trace(
        subject=subject,
        correlation_ids=sorted(correlation_ids, key=str),
        lifelines=_lifelines(hops),
        hops=hops,
        unreadable=unreadable,
    )


def _read(quantum: str, unreadable: dict[str, str], read, *args):
    """Runs one read of a quantum's database; a database that is away is named, not fatal."""
    if quantum in unreadable:
        return None
    try:
        with transaction.atomic(using=quantum):
            return read(quantum, *args)
    except DatabaseError as error:
        unreadable[quantum] = describe_error(error)
        return None


def _correlation_ids(subject: uuid.UUID, unreadable: dict[str, str], naming) -> set[uuid.UUID]:
    """The correlation ids of the messages that `naming` finds in each quantum's tables."""
    found: set[uuid.UUID] = set()
    for quantum in settings.QUANTA:
        for rows in _read(quantum, unreadable, naming, subject) or []:
            found |= rows
    return found


def _ids_naming(quantum: str, subject: uuid.UUID) -> list[set[uuid.UUID]]:
    """By the indexed ids: the subject is an operation's correlation id or a message's id."""
    letters = DeadLetter.objects.using(quantum).filter(
        Q(envelope__correlation_id=str(subject)) | Q(message_id=subject)
    )
    return [
        set(
            OutboxMessage.objects.using(quantum)
            .filter(Q(correlation_id=subject) | Q(id=subject))
            .values_list("correlation_id", flat=True)
        ),
        set(
            InboxMessage.objects.using(quantum)
            .filter(Q(correlation_id=subject) | Q(message_id=subject))
            .values_list("correlation_id", flat=True)
        ),
        _letters_correlation_ids(letters),
    ]


def _payloads_naming(quantum: str, subject: uuid.UUID) -> list[set[uuid.UUID]]:
    """By the payloads: the subject is a ticket, card or invoice a message names. The inbox
    keeps no payload; a letter keeps its whole envelope, even once its outbox row is gone."""
    letters = DeadLetter.objects.using(quantum).filter(
        _names_subject(subject, prefix="envelope__payload__")
    )
    return [
        set(
            OutboxMessage.objects.using(quantum)
            .filter(_names_subject(subject, prefix="payload__"))
            .values_list("correlation_id", flat=True)
        ),
        _letters_correlation_ids(letters),
    ]


def _names_subject(subject: uuid.UUID, *, prefix: str) -> Q:
    return Q(
        *(Q(**{f"{prefix}{key}": str(subject)}) for key in SUBJECT_KEYS),
        _connector=Q.OR,
    )


def _letters_correlation_ids(letters: models.QuerySet) -> set[uuid.UUID]:
    found = (
        envelope_correlation_id(envelope) for envelope in letters.values_list("envelope", flat=True)
    )
    return {correlation_id for correlation_id in found if correlation_id}


def _collect(
    quantum: str, correlation_ids: set[uuid.UUID], messages: dict[object, _Message]
) -> None:
    """Adds what this quantum's tables know of the flows' messages, keyed by message id (a
    letter too malformed to have one, by the letter)."""

    def message(message_id: uuid.UUID | None, key: object = None) -> _Message:
        return messages.setdefault(message_id or key, _Message(id=message_id))

    for row in OutboxMessage.objects.using(quantum).filter(correlation_id__in=correlation_ids):
        found = message(row.id)
        found.outbox, found.type = row, row.type
        found.sender, found.receiver = quantum, row.receiver
    for row in InboxMessage.objects.using(quantum).filter(correlation_id__in=correlation_ids):
        found = message(row.message_id)
        found.inbox, found.type = row, row.type
        found.sender, found.receiver = row.sender, quantum
    letters = DeadLetter.objects.using(quantum).filter(
        envelope__correlation_id__in=[str(c) for c in correlation_ids]
    )
    for letter in letters:
        found = message(letter.message_id, key=(quantum, letter.pk))
        found.dead_letter, found.receiver = letter, quantum
        found.type = found.type or letter.type or "unreadable message"
        found.sender = found.sender or letter.sender
    received_here = [
        found.id for found in messages.values() if found.id and found.receiver == quantum
    ]
    for replay in DeadLetterReplay.objects.using(quantum).filter(message_id__in=received_here):
        messages[replay.message_id].replays.append(replay)


def _hops(message: _Message) -> list[Hop]:
    """The message's hops in the order they happen to one message; some have no time."""
    sender, receiver = message.sender or "?", message.receiver or "?"

    def hop(at, kind, source, target, detail="") -> Hop:
        return Hop(at, kind, message.id, message.type, source, target, _short(detail))

    hops = []
    if sent := message.outbox:
        hops.append(hop(sent.created_at, HopKind.STORED, sender, sender, f"version {sent.version}"))
        if sent.sent_at:
            detail = f"by the sweep, hand-over {sent.send_attempts}"
            hops.append(hop(sent.sent_at, HopKind.HANDED_OVER, sender, BROKER, detail))
        elif sent.send_attempts:
            detail = f"{sent.send_attempts} time(s): {sent.last_send_error}"
            hops.append(hop(None, HopKind.REFUSED, sender, BROKER, detail))
        else:
            hops.append(hop(None, HopKind.HANDED_OVER, sender, BROKER, "at commit"))
    if received := message.inbox:
        hops.append(hop(received.first_received_at, HopKind.RECEIVED, BROKER, receiver))
        # A replayed letter is gone from dead letters and its error cleared; its replays remain.
        failed = received.last_error or message.dead_letter or message.replays
        if received.deliveries > 1 and failed:
            detail = f"{received.deliveries} deliveries in all"
            if received.last_error:
                detail += f"; last error: {received.last_error}"
            hops.append(hop(None, HopKind.RETRIED, BROKER, receiver, detail))
        if received.applied_at:
            hops.append(hop(received.applied_at, HopKind.APPLIED, receiver, receiver))
        if received.deliveries > 1 and not failed:
            detail = f"{received.deliveries - 1} more time(s), the copies ignored"
            hops.append(hop(None, HopKind.RETRIED, BROKER, receiver, detail))
    if letter := message.dead_letter:
        detail = f"after {letter.deliveries} deliveries: {letter.error}"
        hops.append(hop(letter.dead_since, HopKind.DEAD_LETTERED, receiver, receiver, detail))
    for replay in sorted(message.replays, key=lambda replay: replay.requested_at):
        by = f"by {replay.requested_by}"
        hops.append(hop(replay.requested_at, HopKind.REPLAY_REQUESTED, receiver, receiver, by))
        if replay.finished_at:
            outcome = replay.get_outcome_display().lower()
            detail = f"{outcome}: {replay.error}" if replay.error else outcome
            hops.append(hop(replay.finished_at, HopKind.REPLAY_RAN, receiver, receiver, detail))
    if message.outbox and message.outbox.confirmed_at:
        hops.append(hop(message.outbox.confirmed_at, HopKind.CONFIRMED, receiver, sender))
    return hops


def _in_order(per_message: list[list[Hop]]) -> list[Hop]:
    """All hops by time; a hop without one keeps its place right after its message's hop before
    it. Ties keep each message's own order."""
    keyed = []
    for number, hops in enumerate(per_message):
        last = None
        for position, hop in enumerate(hops):
            last = hop.at or last
            if last is not None:
                keyed.append(((last, number, position), hop))
    return [hop for _, hop in sorted(keyed, key=lambda pair: pair[0])]


def _lifelines(hops: list[Hop]) -> list[str]:
    """The quanta involved, in the project's order, with the broker among them where arrows to
    it and from it are shortest on average."""
    involved = {hop.source for hop in hops} | {hop.target for hop in hops}
    order = [*settings.QUANTA, "?"]
    quanta = [quantum for quantum in order if quantum in involved]
    if BROKER in involved:
        quanta.insert((len(quanta) + 1) // 2, BROKER)
    return quanta


def envelope_correlation_id(envelope: object) -> uuid.UUID | None:
    """The correlation id a dead letter's envelope gives, if it is readable enough to give one."""
    try:
        return uuid.UUID(str(envelope.get("correlation_id")))  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1] + "…"


@dataclass(frozen=True)
class TraceRow:
    """One hop as the page's table, the diagram and the command show it."""

    clock: str  # the local time of day, to the millisecond; "" when not recorded
    since: str  # since the trace's first hop
    arrow: str  # "customer → broker", or one quantum for a step inside it
    hop: Hop


def trace_rows(trace: Trace) -> list[TraceRow]:
    start = trace.started_at
    return [
        TraceRow(
            clock=_clock(hop.at) if hop.at else "",
            since=f"+{human_duration(hop.at - start)}" if hop.at else "",
            arrow=hop.source if hop.source == hop.target else f"{hop.source} → {hop.target}",
            hop=hop,
        )
        for hop in trace.hops
    ]


def trace_heading(trace: Trace) -> str:
    messages = len({hop.message_id for hop in trace.hops})
    return (
        f"{trace.subject}: {messages} message(s) in {len(trace.correlation_ids)} operation(s), "
        f"from {timezone.localtime(trace.started_at):%Y-%m-%d %H:%M:%S %Z}"
    )


def _clock(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S.%f")[:-3]


def may_trace(user) -> bool:
    """A trace shows every quantum's messages: it is for staff who may see all of them."""
    return all(
        user.has_perm(f"messaging.{seen_permission(quantum)}") for quantum in settings.QUANTA
    )
