"""Billing's accounts, cards, payments, invoices and payment alerts. A card number is stored only
encrypted under billing's own at-rest key; the CVC is never stored (PCI DSS 4.0 §3.3.1)."""

import uuid

from django.db import models
from django.utils import timezone

from message_contracts.invoices import INVOICE_NUMBER_MAX_LENGTH, PERIOD_PATTERN


class BillingAccount(models.Model):
    """One per customer; created by whichever of the customer's messages arrives first."""

    customer_id = models.PositiveBigIntegerField(unique=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    contract_code = models.CharField(max_length=40, blank=True)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    plan_chosen_at = models.DateTimeField(null=True, blank=True)
    plan_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the customer first chose a plan: billed from the first month after it.",
    )
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


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending (charge in flight)"
    CHARGED = "charged"
    DECLINED = "declined"
    FAILED = "failed", "Failed (no answer)"


class Payment(models.Model):
    """One per account and billed month, created before the provider is asked, so a run that was
    killed mid-charge finds it `pending` and asks again with the same idempotency key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="payments")
    period = models.CharField(max_length=7, help_text="The month billed, YYYY-MM.")
    contract_code = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    attempt = models.PositiveSmallIntegerField(
        default=1, help_text="Raised only after a definitive decline: a new charge, a new key."
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, null=True, related_name="payments")
    provider_reference = models.CharField(max_length=100, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="payment_once_per_period"),
            models.CheckConstraint(
                condition=models.Q(period__regex=PERIOD_PATTERN), name="payment_period_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PaymentStatus.values), name="payment_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"]),
            # The admin's list, newest first, a page at a time among millions.
            models.Index(fields=["-created_at", "-id"], name="payment_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.period}: {self.amount} {self.currency} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """What the provider remembers: the same key always gets the original answer."""
        return f"payment-{self.account.customer_id}-{self.period}-{self.attempt}"


class PaymentRun(models.Model):
    """One plan of a month's Payment job: the month's accounts split into chunks, each a task on
    billing's queue, so any number of billing workers on any hosts bill the month together."""

    period = models.CharField(max_length=7, help_text="The month billed, YYYY-MM.")
    planned_at = models.DateTimeField(default=timezone.now)
    accounts = models.PositiveIntegerField(help_text="Accounts with a plan when it was planned.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-planned_at"]
        constraints = [
            # Two plans of a month at once find the same run instead of doubling its chunks.
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(finished_at__isnull=True),
                name="payment_run_one_unfinished_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}, planned {self.planned_at:%Y-%m-%d %H:%M:%S}"


# What a chunk counts, each a field of it: a payment's outcome, or why there was none.
CHUNK_OUTCOMES = ("charged", "declined", "failed", "skipped", "already_done")


class PaymentChunk(models.Model):
    """A range of account ids of a run, billed by one task; its counts are the outcomes of its
    last delivery (a chunk delivered again counts what the first delivery settled as done)."""

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    first_account_id = models.PositiveBigIntegerField()
    last_account_id = models.PositiveBigIntegerField()
    accounts = models.PositiveIntegerField()
    handed_over_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0, help_text="Accounts handled so far.")
    charged = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    already_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="payment_chunk_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run.period} chunk {self.number}"


class InvoiceStatus(models.TextChoices):
    PAID = "paid"


class Invoice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=INVOICE_NUMBER_MAX_LENGTH, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="invoices")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="invoice")
    period = models.CharField(max_length=7)
    lines = models.JSONField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices)
    issued_on = models.DateField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_number_once_a_year")
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceCounter(models.Model):
    """The last invoice number given in a year. Locked while an invoice is issued and raised in
    the same transaction, so numbers have no gaps: a rolled-back invoice rolls its number back."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_sequence}"


class PaymentAlert(models.Model):
    """A charge that did not go through: an administrator retries it or resolves it by hand."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="alert")
    reason = models.CharField(max_length=500)
    raised_at = models.DateTimeField(default=timezone.now)
    retries = models.PositiveSmallIntegerField(default=0)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The last retry asked for in the admin: it runs on billing's worker, the only process that
    # can open the card number, so the request is recorded here and its outcome when it has run.
    retry_requested_at = models.DateTimeField(null=True, blank=True)
    retry_requested_by = models.CharField(max_length=150, blank=True)
    retry_outcome = models.CharField(max_length=500, blank=True)
    retry_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        # Retrying charges a card: a permission of its own, not implied by seeing alerts.
        permissions = [("retry_paymentalert", "Can retry the charge of a payment alert")]

    def __str__(self) -> str:
        return f"{self.payment}: {self.reason}"


class SimulatedProviderCharge(models.Model):
    """The simulated payment provider's own ledger (it plays an external service: a real
    provider keeps this on its side). It remembers each idempotency key and the answer it gave."""

    idempotency_key = models.CharField(max_length=100, primary_key=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    approved = models.BooleanField()
    reference = models.CharField(max_length=100)
    decline_reason = models.CharField(max_length=500, blank=True)
    requests = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.idempotency_key
