"""Billing's accounts and cards. A card number is stored only encrypted under billing's own
at-rest key; the CVC is never stored (PCI DSS 4.0 §3.3.1)."""

from django.db import models
from django.utils import timezone

from messaging import models as messaging


class BillingAccount(models.Model):
    """One per customer; created by whichever of the customer's messages arrives first."""

    customer_id = models.PositiveBigIntegerField(unique=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    contract_code = models.CharField(max_length=40, blank=True)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    plan_chosen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.customer_name or f"customer {self.customer_id}"


class CardStatus(models.TextChoices):
    ACTIVE = "active"
    REJECTED = "rejected"


class Card(models.Model):
    card_id = models.UUIDField(unique=True, help_text="The id the customer quantum gave the card.")
    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="cards")
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    expiry_month = models.PositiveSmallIntegerField()
    expiry_year = models.PositiveSmallIntegerField()
    holder_name = models.CharField(max_length=100)
    number_ciphertext = models.BinaryField()
    key_id = models.CharField(max_length=64, help_text="The at-rest key that encrypted the number.")
    status = models.CharField(max_length=10, choices=CardStatus.choices)
    rejection_reason = models.CharField(max_length=500, blank=True)
    registered_at = models.DateTimeField()
    stored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class OutboxMessage(messaging.OutboxMessage):
    pass


class InboxMessage(messaging.InboxMessage):
    pass


class DeadLetter(messaging.DeadLetter):
    pass
