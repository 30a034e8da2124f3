"""Ticketing's tickets, experts, their assignments and the knowledge base.

A ticket keeps the id the customer quantum gave it, so both sides name it alike; an expert is linked
to an identity user by id only, since identity lives in another database."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, validate_slug
from django.db import models
from django.db.models import Q

from message_contracts.support_contracts import CODE_MAX_LENGTH
from message_contracts.tickets import (
    DESCRIPTION_MAX_LENGTH,
    REGION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DeviceCategory,
    Priority,
)


def validate_device_categories(value: object) -> None:
    """The catalog is replicated as-is: one bad value here would stop the replication job."""
    if not isinstance(value, list) or not value:
        raise ValidationError("List at least one device category.")
    unknown = sorted({str(item) for item in value} - set(DeviceCategory))
    if unknown:
        raise ValidationError(f"Unknown device categories: {', '.join(unknown)}.")


class SupportContract(models.Model):
    """The support-contract catalog; this table is the source of truth the customer quantum replicates."""

    code = models.CharField(
        primary_key=True, max_length=CODE_MAX_LENGTH, validators=[validate_slug]
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    monthly_price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code.")],
    )
    response_time_hours = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    device_categories = models.JSONField(
        default=list,
        validators=[validate_device_categories],
        help_text=f"Any of: {', '.join(DeviceCategory)}.",
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new"
        ASSIGNED = "assigned"
        ACCEPTED = "accepted"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed"
        # An expert declined it: it waits for the assignment job again, like a new one.
        REJECTED = "rejected"

    QUEUED = (Status.NEW, Status.REJECTED)

    id = models.UUIDField(primary_key=True, editable=False)
    customer_id = models.PositiveBigIntegerField(db_index=True)
    customer_name = models.CharField(max_length=200)
    customer_region = models.CharField(
        max_length=REGION_MAX_LENGTH,
        blank=True,
        help_text="Where the customer is served; empty when the customer gave none.",
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    device_category = models.CharField(
        max_length=20, choices=[(c.value, c.value.capitalize()) for c in DeviceCategory]
    )
    priority = models.CharField(
        max_length=10, choices=[(p.value, p.value.capitalize()) for p in Priority]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # How many status changes were told to the customer quantum: each message carries the next one.
    status_sequence = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["status", "priority", "submitted_at"]),
            # The helpdesk's list, newest first (the admin adds the id to make the order total).
            models.Index(fields=["-submitted_at", "-id"], name="ticket_newest_first"),
        ]

    def __str__(self) -> str:
        return self.title


# Shorter words (on, is, tv) are left out, of the tickets' words and of a search: each would add a
# row for most tickets and narrow a search little.
SEARCH_WORD_MIN_LENGTH = 3
SEARCH_WORD_MAX_LENGTH = 40


def searched_words(text: str) -> list[str]:
    """The words of `text` a search compares, in order and once each: runs of letters and digits,
    case folded, those too short left out and those too long cut, the same for a ticket's text and
    for what the helpdesk types."""
    found = re.findall(r"\w+", text.casefold())
    kept = (word[:SEARCH_WORD_MAX_LENGTH] for word in found if len(word) >= SEARCH_WORD_MIN_LENGTH)
    return list(dict.fromkeys(kept))


def ticket_searched_words(*, title: str, description: str, customer_name: str) -> list[str]:
    """The words a search finds a ticket by: those of its title, description and customer's name."""
    return searched_words(" ".join([title, description, customer_name]))


class TicketWord(models.Model):
    """One word of a ticket's title, description or customer's name, beside the ticket's
    submission time: the helpdesk's search reads a word's tickets newest first along one index and
    stops at the page, however many tickets hold the word (`tickets_search`)."""

    pk = models.CompositePrimaryKey("ticket", "word")
    # The key starts with the ticket: it serves what a separate index on the ticket would.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="words", db_index=False
    )
    word = models.CharField(max_length=SEARCH_WORD_MAX_LENGTH)
    submitted_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["word", "-submitted_at", "-ticket"], name="ticket_word_newest_first"
            ),
        ]

    def __str__(self) -> str:
        return self.word

    @classmethod
    def of(cls, ticket: Ticket) -> list["TicketWord"]:
        words = ticket_searched_words(
            title=ticket.title, description=ticket.description, customer_name=ticket.customer_name
        )
        return [cls(ticket=ticket, word=word, submitted_at=ticket.submitted_at) for word in words]


class Expert(models.Model):
    """A Sysops Squad expert: what they can fix, where, and how many open assignments they take."""

    user_id = models.PositiveBigIntegerField(unique=True, help_text="The expert's identity user.")
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=32, blank=True)
    skills = models.JSONField(
        default=list,
        validators=[validate_device_categories],
        help_text=f"The device categories the expert repairs; any of: {', '.join(DeviceCategory)}.",
    )
    region = models.CharField(max_length=REGION_MAX_LENGTH, db_index=True)
    available = models.BooleanField(
        default=True, help_text="Off while on leave or off duty: no new assignments."
    )
    capacity = models.PositiveSmallIntegerField(
        default=3, help_text="Open assignments the expert may hold at once."
    )
    # A counter rather than a count of assignments, so the load is on the row an assignment run
    # locks to take the expert's places: overlapping runs take turns and cannot both fill the last.
    open_assignments = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(open_assignments__gte=0), name="expert_open_assignments_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """One offer of a ticket to an expert and what became of it; a ticket's rows are its history."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned"
        ACCEPTED = "accepted"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed"
        REJECTED = "rejected"

    OPEN = (Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS)

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="assignments")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    assigned_at = models.DateTimeField()
    expected_arrival = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(max_length=1000, blank=True)
    resolution_notes = models.TextField(max_length=5000, blank=True)

    class Meta:
        ordering = ["-assigned_at"]
        indexes = [
            models.Index(fields=["expert", "status"]),
            # An expert's assignment list, a page at a time, newest first.
            models.Index(fields=["expert", "-assigned_at"], name="assignment_expert_newest"),
            # The admin's list, newest first, a page at a time among millions.
            models.Index(fields=["-assigned_at", "-id"], name="assignment_newest_first"),
        ]
        constraints = [
            # The database, not the job's care, guarantees no ticket is ever assigned twice.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=["assigned", "accepted", "in_progress"]),
                name="one_open_assignment_per_ticket",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["assigned", "accepted", "in_progress", "completed", "rejected"]
                ),
                name="assignment_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.expert}"


class UnassignedTicketAlert(models.Model):
    """Raised by the assignment job for staff when a ticket has waited too long for an expert."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="alerts")
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the ticket was finally assigned."
    )

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_alert_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"Unassigned: {self.ticket}"


class Article(models.Model):
    """A knowledge-base article experts write and search while fixing devices."""

    title = models.CharField(max_length=200)
    body = models.TextField(max_length=50000)
    device_category = models.CharField(
        max_length=20,
        blank=True,
        choices=[(c.value, c.value.capitalize()) for c in DeviceCategory],
    )
    author = models.ForeignKey(
        Expert, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["-updated_at"], name="article_newest_first")]

    def __str__(self) -> str:
        return self.title
