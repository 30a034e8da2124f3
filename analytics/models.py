"""Analytics' tables: facts replicated from the other quanta for managers' reports."""

from django.db import models
from django.utils import timezone

from messaging import models as messaging


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


class OutboxMessage(messaging.OutboxMessage):
    pass


class InboxMessage(messaging.InboxMessage):
    pass


class DeadLetter(messaging.DeadLetter):
    pass
