"""Every e-mail and SMS requested of this quantum, each attempt to deliver it, and the switch that
pauses sending for maintenance."""

import uuid

from django.db import models
from django.utils import timezone

from message_contracts.notifications import (
    PHONE_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
    Channel,
    NotificationType,
)


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        # Every attempt allowed failed: staff may resend it once the cause is fixed.
        FAILED = "failed"
        # Arrived while sending was paused: released, in order, when sending resumes.
        HELD = "held"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notification_type = models.CharField(
        max_length=40,
        choices=[(t.value, t.value.replace("_", " ").capitalize()) for t in NotificationType],
    )
    channel = models.CharField(
        max_length=10, choices=[(Channel.EMAIL.value, "E-mail"), (Channel.SMS.value, "SMS")]
    )
    recipient_name = models.CharField(max_length=200)
    recipient_email = models.EmailField(blank=True)
    recipient_phone = models.CharField(max_length=PHONE_MAX_LENGTH, blank=True)
    context = models.JSONField(default=dict)
    reference = models.CharField(max_length=REFERENCE_MAX_LENGTH, db_index=True)
    requested_at = models.DateTimeField(help_text="When the sending quantum asked for it.")
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Attempts since it was requested or last resent."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed", "held"]),
                name="notification_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "sms"]), name="notification_channel_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_notification_type_display()} to {self.recipient_name} ({self.reference})"


class DeliveryAttempt(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField()
    error = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.notification}: {'sent' if self.succeeded else 'failed'}"


class SendingSwitch(models.Model):
    """One row: whether sending is paused for maintenance. Requests are stored either way."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    paused = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "sending switch"

    def __str__(self) -> str:
        return "Sending paused" if self.paused else "Sending on"
