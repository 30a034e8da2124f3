"""Customers and their copy of their tickets. Identity lives in another database: a user id, no key."""

import uuid
import zoneinfo
from functools import cache

import pydantic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from message_contracts.notifications import Recipient
from message_contracts.support_contracts import CODE_MAX_LENGTH
from message_contracts.tickets import (
    DESCRIPTION_MAX_LENGTH,
    REGION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DeviceCategory,
    Priority,
    TicketProgress,
)


class NotificationPreference(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


def mail_can_reach(address: str) -> None:
    """Every message to a customer is e-mailed through the notification contract, which refuses
    addresses Django's own check lets pass (`localhost`, `.test`, `.local`, IP literals)."""
    try:
        Recipient(name="customer", email=address)
    except pydantic.ValidationError:
        raise ValidationError(
            "Enter an e-mail address that can receive mail.", code="invalid"
        ) from None


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA names this machine's time zone database knows (read from disk once)."""
    return frozenset(zoneinfo.available_timezones())


def time_zone_known(name: str) -> None:
    if name not in time_zone_names():
        raise ValidationError(
            "Enter a time zone name such as Europe/Paris or America/New_York.", code="invalid"
        )


def default_time_zone() -> str:
    return settings.CUSTOMER_DEFAULT_TIME_ZONE


class Customer(models.Model):
    user_id = models.PositiveBigIntegerField(unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True, validators=[mail_can_reach])
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(max_length=500, blank=True)
    region = models.CharField(
        max_length=REGION_MAX_LENGTH,
        blank=True,
        help_text="Where the customer is served (a city or district): experts are matched on it.",
    )
    notification_preference = models.CharField(
        max_length=10, choices=NotificationPreference.choices, default=NotificationPreference.EMAIL
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[time_zone_known],
        help_text="The portal shows times in this zone, e.g. Europe/Paris.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class SupportContract(models.Model):
    """Read-only replica of ticketing's catalog, kept by the sync_support_contracts job.

    A contract that ticketing deactivates or deletes is retired here, never deleted, so the plans
    that name it keep their history.
    """

    code = models.CharField(primary_key=True, max_length=CODE_MAX_LENGTH)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    response_time_hours = models.PositiveIntegerField()
    device_categories = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    source_updated_at = models.DateTimeField()
    replicated_at = models.DateTimeField()

    class Meta:
        ordering = ["monthly_price", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ReplicaWatermark(models.Model):
    """How far a replicated table has caught up with its source."""

    table = models.CharField(primary_key=True, max_length=100)
    watermark = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.table


class SupportPlan(models.Model):
    """The customer's current plan, at the monthly price agreed when it was chosen."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="support_plan"
    )
    contract = models.ForeignKey(SupportContract, on_delete=models.PROTECT, related_name="+")
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    chosen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.customer}: {self.contract_id}"


class CardStatus(models.TextChoices):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"


class CardSummary(models.Model):
    """What the customer quantum may know of a card: never the number, never the CVC."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cards")
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    expiry_month = models.PositiveSmallIntegerField()
    expiry_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=CardStatus.choices, default=CardStatus.PENDING)
    rejection_reason = models.CharField(max_length=500, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-registered_at"]
        verbose_name_plural = "card summaries"
        # The customer's cards, a page at a time, newest first.
        indexes = [models.Index(fields=["customer", "-registered_at"], name="card_customer_newest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CardStatus.values), name="card_summary_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(last4__regex=r"^[0-9]{4}$"), name="card_summary_last4_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(expiry_month__gte=1, expiry_month__lte=12),
                name="card_summary_expiry_month_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class TicketStatus(models.TextChoices):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed"


class Ticket(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    device_category = models.CharField(
        max_length=20, choices=[(c.value, c.value.capitalize()) for c in DeviceCategory]
    )
    priority = models.CharField(
        max_length=10,
        choices=[(p.value, p.value.capitalize()) for p in Priority],
        default=Priority.NORMAL,
    )
    status = models.CharField(
        max_length=20, choices=TicketStatus.choices, default=TicketStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # The newest status change from ticketing applied here: an older one arriving late never wins.
    status_sequence = models.PositiveIntegerField(default=0)
    expert_name = models.CharField(max_length=200, blank=True)
    expected_arrival = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["customer", "-submitted_at"]),
            # The admin's list, newest first, a page at a time among millions.
            models.Index(fields=["-submitted_at", "-id"], name="customer_ticket_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TicketStatus.values),
                name="customer_ticket_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=list(Priority)),
                name="customer_ticket_priority_known",
            ),
            models.CheckConstraint(
                condition=models.Q(device_category__in=list(DeviceCategory)),
                name="customer_ticket_device_category_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Invoice(models.Model):
    """The customer's copy of an invoice billing issued (the billing history); billing's id."""

    id = models.UUIDField(primary_key=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=20, unique=True)
    period = models.CharField(max_length=7, help_text="The month billed, YYYY-MM.")
    issued_on = models.DateField()
    lines = models.JSONField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    issued_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["customer", "-issued_at"])]

    def __str__(self) -> str:
        return self.number


class TicketStatusChange(models.Model):
    """One status change ticketing told about a ticket: the timeline the customer sees."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="status_changes")
    sequence = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20,
        choices=[(p.value, p.value.replace("_", " ").capitalize()) for p in TicketProgress],
    )
    changed_at = models.DateTimeField()
    expert_name = models.CharField(max_length=200, blank=True)
    expected_arrival = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "sequence"], name="one_status_change_per_ticket_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket}: {self.status}"


class SurveyInvitation(models.Model):
    """The survey a customer is asked to answer once their ticket is completed (UC-4).

    Only the invitation lives here: the answer goes to analytics, whose reports are its only use,
    and is never stored in this quantum. One per ticket, answered at most once, until it expires.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="survey_invitation"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="survey_invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey on {self.ticket}"
