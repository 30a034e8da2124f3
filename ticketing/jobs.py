"""The assignment job: the periodic ticket processor, run by `assign_tickets` and the scheduler.

A batch job rather than a reaction to each new ticket, so an urgent ticket submitted a minute after
a low one is still served first. Runs may overlap: each ticket is locked with SKIP LOCKED while it is
assigned, an expert's places are counted and taken on the expert's locked row, and the database
refuses a second open assignment of a ticket, so no ticket is lost or assigned twice and no expert
is given more than their capacity.
"""

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from message_contracts.tickets import Priority
from ticketing.apps import DATABASE
from ticketing.models import Assignment, Expert, Ticket, UnassignedTicketAlert
from ticketing.services import assignments_create

BATCH_SIZE = 200
# A pool's heap is rebuilt from its live experts once it holds this many entries per live expert.
STALE_ENTRIES_TOLERATED = 4
PRIORITY_ORDER = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)


@dataclass(frozen=True)
class AssignmentRun:
    assigned: int
    still_queued: int
    alerts_raised: int

    def __str__(self) -> str:
        return (
            f"{self.assigned} assigned, {self.still_queued} still queued, "
            f"{self.alerts_raised} new alerts"
        )


_Load = tuple[float, int, int]
_PoolKey = tuple[str, str | None]


class _Roster:
    """The available experts, with the load last seen, in a heap per device and region (and per
    device alone, for tickets without a region), so the least loaded expert is found in
    logarithmic time however many experts a pool holds.

    A heap entry is the expert's load when it was pushed; every change of load pushes a new one,
    and an entry that no longer matches its expert is dropped when it comes to the top. A heap is
    built when a ticket first needs it and rebuilt once it holds several entries per live expert,
    so memory stays bounded by the experts, not by the tickets assigned."""

    def __init__(self) -> None:
        self._experts = {
            expert.pk: expert
            for expert in Expert.objects.filter(available=True, open_assignments__lt=F("capacity"))
        }
        self._pools_of = {
            expert.pk: {
                *((skill, None) for skill in expert.skills),
                *((skill, _region_key(expert.region)) for skill in expert.skills),
            }
            for expert in self._experts.values()
        }
        self._members: dict[_PoolKey, list[Expert]] = defaultdict(list)
        for pk, keys in self._pools_of.items():
            for key in keys:
                self._members[key].append(self._experts[pk])
        self._pools: dict[_PoolKey, list[tuple[_Load, int]]] = {}
        self._rebuild_at: dict[_PoolKey, int] = {}

    def least_loaded(self, ticket: Ticket, *, declined_by: set[int]) -> Expert | None:
        """The expert with free places who repairs the device, in the customer's region when it
        is known (a ticket without one, sent before regions were, may go to any region), least
        loaded first; never one who declined the ticket."""
        region = _region_key(ticket.customer_region) if ticket.customer_region else None
        pool = self._pool((ticket.device_category, region))
        passed_over = []
        chosen = None
        while pool and chosen is None:
            load, pk = heapq.heappop(pool)
            expert = self._experts[pk]
            if not _has_places(expert) or load != _load(expert):
                continue  # full, or loaded since: a newer entry stands for it
            passed_over.append((load, pk))
            if pk not in declined_by:
                chosen = expert
        for entry in passed_over:
            heapq.heappush(pool, entry)
        return chosen

    def take_place(self, expert: Expert) -> None:
        """Counts a place as taken before the expert's row is locked, for the next ticket's choice."""
        expert.open_assignments += 1
        self._push(expert)

    def update(self, expert: Expert) -> None:
        """Takes the load (and availability) of a freshly read expert as the one to match on."""
        known = self._experts[expert.pk]
        known.open_assignments = expert.open_assignments
        known.capacity = expert.capacity if expert.available else 0
        self._push(known)

    def _pool(self, key: _PoolKey) -> list[tuple[_Load, int]]:
        if key not in self._pools:
            self._build(key)
        return self._pools[key]

    def _build(self, key: _PoolKey) -> None:
        pool = [(_load(expert), expert.pk) for expert in self._members[key] if _has_places(expert)]
        heapq.heapify(pool)
        self._pools[key] = pool
        self._rebuild_at[key] = STALE_ENTRIES_TOLERATED * (len(pool) + 1)

    def _push(self, expert: Expert) -> None:
        if not _has_places(expert):
            return
        for key in self._pools_of[expert.pk]:
            pool = self._pools.get(key)
            if pool is None:
                continue
            heapq.heappush(pool, (_load(expert), expert.pk))
            if len(pool) > self._rebuild_at[key]:
                self._build(key)


def _load(expert: Expert) -> _Load:
    """Least loaded first: the share of places taken, then the places taken, then the id."""
    return (expert.open_assignments / expert.capacity, expert.open_assignments, expert.pk)


def _has_places(expert: Expert) -> bool:
    return expert.open_assignments < expert.capacity


def _region_key(region: str) -> str:
    return region.strip().casefold()


def _queued_batches(priority: str) -> Iterator[list[object]]:
    """The ids of the queued tickets of one priority, oldest first, a batch at a time, so a ticket
    left queued is not read twice in a run. Read unlocked: a batch is locked when it is assigned."""
    after: tuple[datetime, object] | None = None
    while True:
        tickets = Ticket.objects.filter(status__in=Ticket.QUEUED, priority=priority)
        if after is not None:
            # The plain bound is what an index can start from: without it the database reads
            # every ticket before it again (the OR alone is only a filter), at each batch.
            tickets = tickets.filter(
                Q(submitted_at__gt=after[0]) | Q(submitted_at=after[0], pk__gt=after[1]),
                submitted_at__gte=after[0],
            )
        batch = list(
            tickets.order_by("submitted_at", "pk").values_list("submitted_at", "pk")[:BATCH_SIZE]
        )
        if not batch:
            return
        yield [pk for _, pk in batch]
        after = batch[-1]


def _declined(tickets: list[Ticket]) -> dict[object, set[int]]:
    """Who declined each ticket that came back to the queue: never offered it again."""
    declined: dict[object, set[int]] = defaultdict(set)
    rejected = [ticket for ticket in tickets if ticket.status == Ticket.Status.REJECTED]
    if rejected:
        rejections = Assignment.objects.filter(
            ticket__in=rejected, status=Assignment.Status.REJECTED
        ).values_list("ticket_id", "expert_id")
        for ticket_id, expert_id in rejections:
            declined[ticket_id].add(expert_id)
    return declined


def _assign_batch(ticket_ids: list[object], roster: _Roster, now: datetime) -> int:
    """Matches a batch in memory, then takes the experts' places and records the offers in one
    transaction. Tickets are locked with SKIP LOCKED (another run has those) and experts in id
    order, so overlapping runs wait for each other but never deadlock."""
    with transaction.atomic(using=DATABASE):
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ticket_ids, status__in=Ticket.QUEUED)
            .order_by("submitted_at", "pk")
        )
        declined = _declined(tickets)
        wanted: dict[int, list[Ticket]] = defaultdict(list)
        for ticket in tickets:
            expert = roster.least_loaded(ticket, declined_by=declined[ticket.pk])
            if expert is not None:
                roster.take_place(expert)
                wanted[expert.pk].append(ticket)
        offers = []
        # Experts by the number of places they give this batch: one plain UPDATE per number (a few)
        # rather than bulk_update's CASE per row; the rows are locked, so the sums are exact.
        giving: dict[int, list[int]] = defaultdict(list)
        experts = list(Expert.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
        for expert in experts:
            # The locked row is the truth: another run or a finished job may have changed the load.
            places = max(0, expert.capacity - expert.open_assignments) if expert.available else 0
            granted = wanted[expert.pk][:places]
            expert.open_assignments += len(granted)
            roster.update(expert)
            offers.extend((ticket, expert) for ticket in granted)
            if granted:
                giving[len(granted)].append(expert.pk)
        for places, expert_ids in giving.items():
            Expert.objects.filter(pk__in=expert_ids).update(
                open_assignments=F("open_assignments") + places
            )
        assignments_create(offers=offers, now=now)
        UnassignedTicketAlert.objects.filter(
            ticket__in=[ticket for ticket, _ in offers], resolved_at=None
        ).update(resolved_at=now)
    return len(offers)


def _raise_alerts(now: datetime) -> int:
    """One open alert per ticket that has waited longer than the configured age."""
    cutoff = now - timedelta(minutes=settings.ASSIGNMENT_ALERT_AFTER_MINUTES)
    overdue = list(
        Ticket.objects.filter(status__in=Ticket.QUEUED, submitted_at__lt=cutoff)
        .exclude(
            Exists(UnassignedTicketAlert.objects.filter(ticket=OuterRef("pk"), resolved_at=None))
        )
        .values_list("pk", flat=True)
    )
    UnassignedTicketAlert.objects.bulk_create(
        [UnassignedTicketAlert(ticket_id=ticket_id, raised_at=now) for ticket_id in overdue],
        ignore_conflicts=True,  # another run raised the same alert a moment ago
    )
    return UnassignedTicketAlert.objects.filter(ticket_id__in=overdue, raised_at=now).count()


def tickets_assign(*, on_progress: Callable[[int], None] | None = None) -> AssignmentRun:
    """Assigns the queued tickets, most urgent then oldest first, each to the least loaded available
    expert who repairs the device in the customer's region and has not declined it before."""
    now = timezone.now()
    roster = _Roster()
    assigned = 0
    for priority in PRIORITY_ORDER:
        for batch in _queued_batches(priority):
            assigned += _assign_batch(batch, roster, now)
            if on_progress:
                on_progress(len(batch))
    return AssignmentRun(
        assigned=assigned,
        still_queued=tickets_queued_count(),
        alerts_raised=_raise_alerts(now),
    )


def tickets_queued_count() -> int:
    return Ticket.objects.filter(status__in=Ticket.QUEUED).count()
