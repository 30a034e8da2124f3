"""Analytics' tables: facts replicated from the other quanta for managers' reports."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from message_contracts.surveys import RATING_MAX, RATING_MIN
from message_contracts.tickets import DeviceCategory, Priority, TicketStep


class PaymentFact(models.Model):
    """One settled charge as billing recorded it (charged or declined), with its invoice number."""

    payment_id = models.UUIDField()
    attempt = models.PositiveSmallIntegerField()
    customer_id = models.PositiveBigIntegerField(db_index=True)
    period = models.CharField(max_length=7)
    contract_code = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    outcome = models.CharField(max_length=20)
    invoice_number = models.CharField(max_length=20, blank=True)
    recorded_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["payment_id", "attempt"], name="payment_fact_once")
        ]
        indexes = [models.Index(fields=["period", "outcome"])]

    def __str__(self) -> str:
        return f"{self.period} {self.customer_id}: {self.amount} {self.currency} {self.outcome}"


class TicketFact(models.Model):
    """One ticket as the reports see it, kept up to date from its lifecycle steps in whatever order
    they arrive (an accumulating snapshot): when it was received, first assigned and completed,
    and by whom."""

    ticket_id = models.UUIDField(unique=True)
    priority = models.CharField(max_length=10, choices=[(p.value, p.value) for p in Priority])
    device_category = models.CharField(
        max_length=20, choices=[(c.value, c.value) for c in DeviceCategory]
    )
    submitted_at = models.DateTimeField()
    # The step of the highest sequence number seen so far, and that number.
    step = models.CharField(max_length=20, choices=[(s.value, s.value) for s in TicketStep])
    sequence = models.PositiveIntegerField()
    first_assigned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Durations from submission, stored so that reports aggregate plain numbers on any database.
    seconds_to_assign = models.PositiveIntegerField(null=True, blank=True)
    seconds_to_resolve = models.PositiveIntegerField(null=True, blank=True)
    resolved_by_expert_id = models.PositiveBigIntegerField(null=True, blank=True)
    resolved_by_expert_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        permissions = [("view_reports", "Can view the managers' reports")]
        indexes = [
            models.Index(fields=["submitted_at", "priority"], name="ticket_fact_submitted"),
            models.Index(
                fields=["submitted_at"],
                condition=Q(completed_at__isnull=True),
                name="ticket_fact_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ({self.step})"


class TicketEvent(models.Model):
    """One step of a ticket's life, stored once (ticket and sequence number name it)."""

    ticket_id = models.UUIDField()
    sequence = models.PositiveIntegerField()
    step = models.CharField(max_length=20, choices=[(s.value, s.value) for s in TicketStep])
    occurred_at = models.DateTimeField()
    expert_id = models.PositiveBigIntegerField(null=True, blank=True)
    expert_name = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ticket_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["ticket_id", "sequence"], name="ticket_event_once")
        ]
        indexes = [
            # The expert report: the experts' steps in a period.
            models.Index(
                fields=["occurred_at", "expert_id", "step"],
                condition=Q(expert_id__isnull=False),
                name="ticket_event_expert",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} #{self.sequence} {self.step}"


class SurveyResponse(models.Model):
    """A customer's answer to the survey after a ticket was completed; one per invitation."""

    survey_id = models.UUIDField(unique=True)
    ticket_id = models.UUIDField(db_index=True)
    # A join to the ticket's fact for the reports, with no column and no constraint of its own: a
    # survey may well arrive before the ticket's last steps do.
    ticket = models.ForeignObject(
        TicketFact,
        on_delete=models.DO_NOTHING,
        from_fields=["ticket_id"],
        to_fields=["ticket_id"],
        related_name="surveys",
    )
    customer_id = models.PositiveBigIntegerField()
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    expert_on_time = models.BooleanField(null=True, blank=True)
    would_recommend = models.BooleanField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="survey_rating_in_range",
            )
        ]
        indexes = [models.Index(fields=["submitted_at"], name="survey_submitted")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating}/{RATING_MAX}"
