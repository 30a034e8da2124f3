"""Ticketing's tickets. A ticket keeps the id the customer quantum gave it, so both sides name it alike."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, validate_slug
from django.db import models

from message_contracts.support_contracts import CODE_MAX_LENGTH
from message_contracts.tickets import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DeviceCategory,
    Priority,
)
from messaging import models as messaging


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

    id = models.UUIDField(primary_key=True, editable=False)
    customer_id = models.PositiveBigIntegerField(db_index=True)
    customer_name = models.CharField(max_length=200)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    device_category = models.CharField(
        max_length=20, choices=[(c.value, c.value.capitalize()) for c in DeviceCategory]
    )
    priority = models.CharField(
        max_length=10, choices=[(p.value, p.value.capitalize()) for p in Priority]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "priority", "submitted_at"])]

    def __str__(self) -> str:
        return self.title


class OutboxMessage(messaging.OutboxMessage):
    pass


class InboxMessage(messaging.InboxMessage):
    pass


class DeadLetter(messaging.DeadLetter):
    pass
