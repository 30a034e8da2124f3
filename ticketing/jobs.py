"""The assignment job: the periodic ticket processor, run by `assign_tickets` and the scheduler.

A batch job rather than a reaction to each new ticket, so an urgent ticket submitted a minute after
a low one is still served first. Runs may overlap: each ticket is locked with SKIP LOCKED while it is
assigned, an expert's places are counted and taken on the expert's locked row, and the database
refuses a second open assignment of a ticket, so no ticket is lost or assigned twice and no expert
is given more than their capacity.
"""

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


class _Roster:
    """The available experts, indexed by what they repair and where, with the load last seen."""

    def __init__(self) -> None:
        self._by_skill: dict[str, list[Expert]] = defaultdict(list)
        self._by_skill_and_region: dict[tuple[str, str], list[Expert]] = defaultdict(list)
        self._experts = {
            expert.pk: expert
            for expert in Expert.objects.filter(available=True, open_assignments__lt=F("capacity"))
        }
        for expert in self._experts.values():
            for skill in expert.skills:
                self._by_skill[skill].append(expert)
                self._by_skill_and_region[(skill, _region_key(expert.region))].append(expert)

    def candidates(self, ticket: Ticket, *, declined_by: set[int]) -> list[Expert]:
        """Experts who repair the device, in the customer's region when it is known (a ticket
        without one, sent before regions were, may go to any region), least loaded first."""
        if ticket.customer_region:
            pool = self._by_skill_and_region[
                (ticket.device_category, _region_key(ticket.customer_region))
            ]
        else:
            pool = self._by_skill[ticket.device_category]
        free = [
            expert
            for expert in pool
            if expert.open_assignments < expert.capacity and expert.pk not in declined_by
        ]
        return sorted(
            free, key=lambda e: (e.open_assignments / e.capacity, e.open_assignments, e.pk)
        )

    def update(self, expert: Expert) -> None:
        """Takes the load (and availability) of a freshly read expert as the one to match on."""
        known = self._experts[expert.pk]
        known.open_assignments = expert.open_assignments
        known.capacity = expert.capacity if expert.available else 0


def _region_key(region: str) -> str:
    return region.strip().casefold()


def _queued_batches(priority: str) -> Iterator[list[object]]:
    """The ids of the queued tickets of one priority, oldest first, a batch at a time, so a ticket
    left queued is not read twice in a run. Read unlocked: a batch is locked when it is assigned."""
    after: tuple[datetime, object] | None = None
    while True:
        tickets = Ticket.objects.filter(status__in=Ticket.QUEUED, priority=priority)
        if after is not None:
            tickets = tickets.filter(
                Q(submitted_at__gt=after[0]) | Q(submitted_at=after[0], pk__gt=after[1])
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
            candidates = roster.candidates(ticket, declined_by=declined[ticket.pk])
            if candidates:
                candidates[0].open_assignments += 1  # provisionally, for the next ticket's choice
                wanted[candidates[0].pk].append(ticket)
        offers = []
        experts = list(Expert.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
        for expert in experts:
            # The locked row is the truth: another run or a finished job may have changed the load.
            places = max(0, expert.capacity - expert.open_assignments) if expert.available else 0
            granted = wanted[expert.pk][:places]
            expert.open_assignments += len(granted)
            roster.update(expert)
            offers.extend((ticket, expert) for ticket in granted)
        Expert.objects.bulk_update(experts, ["open_assignments"])
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
