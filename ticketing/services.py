"""Ticketing's write use cases: taking tickets in, the expert's work on an assignment, articles."""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from message_contracts.notifications import (
    Channel,
    NotificationRequested,
    NotificationType,
    Recipient,
)
from message_contracts.tickets import (
    Priority,
    TicketCreatedV2,
    TicketLifecycleRecorded,
    TicketProgress,
    TicketStatusChanged,
    TicketStep,
)
from messaging.contract import Message
from messaging.endpoint import endpoint_for
from messaging.receiver import delivery_transaction
from ticketing.apps import DATABASE
from ticketing.models import Article, Assignment, Expert, Ticket, TicketWord

# The visit the customer is promised, counted from the assignment.
ARRIVAL_WITHIN = {
    Priority.URGENT: timedelta(hours=4),
    Priority.HIGH: timedelta(hours=8),
    Priority.NORMAL: timedelta(hours=24),
    Priority.LOW: timedelta(hours=72),
}


class AssignmentNotFound(Exception):
    """No such assignment for this expert: another expert's is treated as unknown."""


class WrongAssignmentState(Exception):
    """The assignment is not in a state this step can follow."""


# What each status told to the customer is, as a step of the ticket's life for analytics: a
# ticket goes back to the queue only when its expert declines it.
STEP_OF = {
    TicketProgress.ASSIGNED: TicketStep.ASSIGNED,
    TicketProgress.ACCEPTED: TicketStep.ACCEPTED,
    TicketProgress.QUEUED: TicketStep.REJECTED,
    TicketProgress.IN_PROGRESS: TicketStep.STARTED,
    TicketProgress.COMPLETED: TicketStep.COMPLETED,
}


def ticket_register(*, submitted: TicketCreatedV2) -> Ticket:
    """Takes a customer's ticket into processing; it waits as `new` for the assignment job."""
    with delivery_transaction(DATABASE):
        ticket = Ticket.objects.create(
            id=submitted.ticket_id,
            customer_id=submitted.customer_id,
            customer_name=submitted.customer_name,
            customer_region=submitted.customer_region.strip(),
            title=submitted.title,
            description=submitted.description,
            device_category=submitted.device_category,
            priority=submitted.priority,
            submitted_at=submitted.submitted_at,
        )
        TicketWord.objects.bulk_create(TicketWord.of(ticket))
        endpoint_for(DATABASE).publish(
            _lifecycle_recorded(
                ticket=ticket, step=TicketStep.RECEIVED, occurred_at=ticket.received_at
            )
        )
    return ticket


def _change_messages(
    *, ticket: Ticket, status: TicketProgress, changed_at: datetime, assignment: Assignment
) -> list[Message]:
    """What a change of the ticket tells, under its current sequence number: its status to the
    customer quantum, the step to analytics."""
    return [
        TicketStatusChanged(
            ticket_id=ticket.id,
            sequence=ticket.status_sequence,
            status=status,
            changed_at=changed_at,
            expert_name=assignment.expert.name,
            expected_arrival=assignment.expected_arrival,
        ),
        _lifecycle_recorded(
            ticket=ticket, step=STEP_OF[status], occurred_at=changed_at, expert=assignment.expert
        ),
    ]


def _lifecycle_recorded(
    *, ticket: Ticket, step: TicketStep, occurred_at: datetime, expert: Expert | None = None
) -> TicketLifecycleRecorded:
    return TicketLifecycleRecorded(
        ticket_id=ticket.id,
        sequence=ticket.status_sequence,
        step=step,
        occurred_at=occurred_at,
        priority=ticket.priority,
        device_category=ticket.device_category,
        submitted_at=ticket.submitted_at,
        expert_id=expert.pk if expert else None,
        expert_name=expert.name if expert else "",
    )


def assignments_create(*, offers: list[tuple[Ticket, Expert]], now: datetime) -> list[Assignment]:
    """Offers each queued ticket to its expert, whose place the caller has already taken, and
    tells the customer quantum who comes and when. The caller holds the tickets' rows locked."""
    assignments = []
    for ticket, expert in offers:
        ticket.status = Ticket.Status.ASSIGNED
        ticket.status_sequence += 1
        assignments.append(
            Assignment(
                ticket=ticket,
                expert=expert,
                assigned_at=now,
                expected_arrival=now + ARRIVAL_WITHIN[Priority(ticket.priority)],
            )
        )
    Assignment.objects.bulk_create(assignments)
    # One plain UPDATE, not bulk_update's CASE per row: the rows are locked, so the database's
    # sequence numbers are the ones just raised in memory.
    Ticket.objects.filter(pk__in=[ticket.pk for ticket, _ in offers]).update(
        status=Ticket.Status.ASSIGNED, status_sequence=F("status_sequence") + 1
    )
    messages: list[Message] = []
    for assignment in assignments:
        messages += _change_messages(
            ticket=assignment.ticket,
            status=TicketProgress.ASSIGNED,
            changed_at=now,
            assignment=assignment,
        )
        # An SMS to the expert, after the customer's status. An expert without a phone number
        # gets none: the assignment waits in their app.
        if assignment.expert.phone.strip():
            messages.append(_expert_text(assignment=assignment, now=now))
    endpoint_for(DATABASE).publish_all(messages)
    return assignments


def _expert_text(*, assignment: Assignment, now: datetime) -> NotificationRequested:
    expert, ticket = assignment.expert, assignment.ticket
    return NotificationRequested(
        recipient=Recipient(name=expert.name, phone=expert.phone),
        channel=Channel.SMS,
        notification_type=NotificationType.ASSIGNMENT_OFFERED,
        context={
            "title": ticket.title,
            "device_category": ticket.device_category,
            "priority": ticket.priority,
            "customer_name": ticket.customer_name,
            "customer_region": ticket.customer_region,
            "expected_arrival": f"{assignment.expected_arrival:%Y-%m-%d %H:%M} UTC",
        },
        reference=str(ticket.id),
        requested_at=now,
    )


def _step(
    *,
    expert: Expert,
    assignment_id: int,
    allowed_from: tuple[str, ...],
    change: Callable[[Assignment, datetime], TicketProgress],
) -> Assignment:
    """One step of the expert's workflow, on the expert's own assignment, in one transaction."""
    with transaction.atomic(using=DATABASE):
        # The assignment's row first, then its ticket's (read afresh: its sequence number must be
        # the latest). An open assignment's ticket is not queued, so the assignment job never
        # holds it; the expert's row comes last, with the update that frees a place.
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("expert")
            .filter(pk=assignment_id, expert=expert)
            .first()
        )
        if assignment is None:
            raise AssignmentNotFound(f"You have no assignment {assignment_id}.")
        if assignment.status not in allowed_from:
            raise WrongAssignmentState(
                f"This assignment is {assignment.get_status_display().lower()}: "
                f"it must be {' or '.join(allowed_from)} for this step."
            )
        assignment.ticket = Ticket.objects.select_for_update().get(pk=assignment.ticket_id)
        now = timezone.now()
        progress = change(assignment, now)
        assignment.save()
        ticket = assignment.ticket
        ticket.status_sequence += 1
        ticket.save(update_fields=["status", "status_sequence"])
        endpoint_for(DATABASE).publish_all(
            _change_messages(ticket=ticket, status=progress, changed_at=now, assignment=assignment)
        )
    return assignment


def _place_freed(assignment: Assignment) -> None:
    Expert.objects.filter(pk=assignment.expert_id).update(
        open_assignments=F("open_assignments") - 1
    )


def assignment_accept(*, expert: Expert, assignment_id: int) -> Assignment:
    def accept(assignment: Assignment, now: datetime) -> TicketProgress:
        assignment.status = Assignment.Status.ACCEPTED
        assignment.accepted_at = now
        assignment.ticket.status = Ticket.Status.ACCEPTED
        return TicketProgress.ACCEPTED

    return _step(
        expert=expert,
        assignment_id=assignment_id,
        allowed_from=(Assignment.Status.ASSIGNED,),
        change=accept,
    )


def assignment_reject(*, expert: Expert, assignment_id: int, reason: str) -> Assignment:
    """The expert declines: the ticket goes back to the queue, never to be offered to them again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why you decline this ticket."]})

    def reject(assignment: Assignment, now: datetime) -> TicketProgress:
        assignment.status = Assignment.Status.REJECTED
        assignment.rejected_at = now
        assignment.rejection_reason = reason
        assignment.ticket.status = Ticket.Status.REJECTED
        _place_freed(assignment)
        return TicketProgress.QUEUED

    # Once accepted, the customer was told who is coming; declining is still allowed until work starts.
    return _step(
        expert=expert,
        assignment_id=assignment_id,
        allowed_from=(Assignment.Status.ASSIGNED, Assignment.Status.ACCEPTED),
        change=reject,
    )


def assignment_start(*, expert: Expert, assignment_id: int) -> Assignment:
    def start(assignment: Assignment, now: datetime) -> TicketProgress:
        assignment.status = Assignment.Status.IN_PROGRESS
        assignment.started_at = now
        assignment.ticket.status = Ticket.Status.IN_PROGRESS
        return TicketProgress.IN_PROGRESS

    return _step(
        expert=expert,
        assignment_id=assignment_id,
        allowed_from=(Assignment.Status.ACCEPTED,),
        change=start,
    )


def assignment_complete(*, expert: Expert, assignment_id: int, resolution_notes: str) -> Assignment:
    resolution_notes = resolution_notes.strip()
    if not resolution_notes:
        raise ValidationError({"resolution_notes": ["Describe what you did to fix it."]})

    def complete(assignment: Assignment, now: datetime) -> TicketProgress:
        assignment.status = Assignment.Status.COMPLETED
        assignment.completed_at = now
        assignment.resolution_notes = resolution_notes
        assignment.ticket.status = Ticket.Status.COMPLETED
        _place_freed(assignment)
        return TicketProgress.COMPLETED

    return _step(
        expert=expert,
        assignment_id=assignment_id,
        allowed_from=(Assignment.Status.IN_PROGRESS,),
        change=complete,
    )


def article_create(
    *, author: Expert | None, title: str, body: str, device_category: str = ""
) -> Article:
    article = Article(author=author, title=title, body=body, device_category=device_category)
    article.full_clean()
    article.save()
    return article


def article_update(*, article: Article, **changes: str) -> Article:
    for field, value in changes.items():
        setattr(article, field, value)
    article.full_clean()
    article.save()
    return article
