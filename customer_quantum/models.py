"""Customers and their copy of their tickets. Identity lives in another database: a user id, no key."""

import uuid

from django.db import models
from django.utils import timezone

from message_contracts.tickets import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DeviceCategory,
    Priority,
)
from messaging import models as messaging


class Customer(models.Model):
    user_id = models.PositiveBigIntegerField(unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


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

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["customer", "-submitted_at"])]
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


class OutboxMessage(messaging.OutboxMessage):
    pass


class InboxMessage(messaging.InboxMessage):
    pass


class DeadLetter(messaging.DeadLetter):
    pass
