"""The kernel's tables, declared once and migrated into every quantum's database (not `default`).

A quantum's outbox holds what it sent, its inbox what it applied, its dead letters what it could not.
Being in every quantum's database, they are always queried with `.using(quantum)`: the database
router refuses a query that names none. They carry no foreign keys, so they never tie one database
to another.
"""

from django.conf import settings
from django.db import models


def seen_permission(quantum: str) -> str:
    """Seeing a quantum's kernel rows is granted per quantum: billing's dead letters carry sealed
    card data, which only billing administrators may see."""
    return f"see_{quantum}_messages"


def replay_permission(quantum: str) -> str:
    """Replaying runs a handler again (for billing, one that opens card data): a permission of its
    own, per quantum, not implied by seeing the letters."""
    return f"replay_{quantum}_deadletters"


class OutboxMessage(models.Model):
    """A message its sender keeps until the receiver confirms it: the record of truth, not the queue.

    `resend_at` is when the sweep should hand it to the broker (again): a confirmation timeout
    after it was stored (the fast path hands it over at commit and writes nothing more), at once if
    the broker refused it, then later and later until the receiver confirms it; confirmed, it is
    never sent again. `sent_at` and `send_attempts` record the sweep's hand-overs and any refusal.
    """

    id = models.UUIDField(primary_key=True)
    type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField()
    receiver = models.CharField(max_length=50)
    correlation_id = models.UUIDField(db_index=True)
    payload = models.JSONField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    last_send_error = models.TextField(blank=True)
    resend_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["resend_at"],
                condition=models.Q(confirmed_at__isnull=True),
                name="messaging_ob_due",
            ),
            models.Index(
                fields=["confirmed_at"],
                condition=models.Q(confirmed_at__isnull=False),
                name="messaging_ob_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} v{self.version} → {self.receiver} ({self.id})"


class InboxMessage(models.Model):
    """A message this quantum received. `confirmation_due` marks one settled (applied, buried, or
    received again after it was applied) whose sender has not been told yet: the sweep tells each
    sender in one batch, rather than a task per message."""

    message_id = models.UUIDField(primary_key=True)
    type = models.CharField(max_length=100)
    sender = models.CharField(max_length=50)
    correlation_id = models.UUIDField(db_index=True)
    first_received_at = models.DateTimeField()
    deliveries = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    confirmation_due = models.BooleanField(default=False)

    class Meta:
        ordering = ["-first_received_at"]
        indexes = [
            models.Index(
                fields=["applied_at"],
                condition=models.Q(applied_at__isnull=False),
                name="messaging_ib_done",
            ),
            models.Index(
                fields=["sender"],
                condition=models.Q(confirmation_due=True),
                name="messaging_ib_confirm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} from {self.sender} ({self.message_id})"


class DeadLetter(models.Model):
    message_id = models.UUIDField(null=True, blank=True, unique=True)
    type = models.CharField(max_length=100, blank=True)
    sender = models.CharField(max_length=50, blank=True)
    envelope = models.JSONField()
    error = models.TextField()
    deliveries = models.PositiveIntegerField()
    dead_since = models.DateTimeField()

    class Meta:
        ordering = ["-dead_since"]
        permissions = [
            *(
                (seen_permission(quantum), f"Can see the messages and job runs of {quantum}")
                for quantum in settings.MESSAGING_QUANTA
            ),
            *(
                (replay_permission(quantum), f"Can replay the dead letters of {quantum}")
                for quantum in settings.MESSAGING_QUANTA
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type or 'unreadable message'} ({self.message_id})"


class ReplayOutcome(models.TextChoices):
    REPLAYED = "replayed"
    STILL_FAILS = "still fails"
    GONE = "gone", "Gone (replayed or deleted before it ran)"
    NOT_QUEUED = "not queued", "Not queued (the broker refused it)"


class DeadLetterReplay(models.Model):
    """A replay staff asked for in the admin. It runs on the quantum's own worker, which holds what
    the handler may need (billing's card keys) where the web process does not; this row says it is
    queued, then how it ended, and outlives the letter that a successful replay deletes."""

    letter_id = models.PositiveBigIntegerField(db_index=True)
    message_id = models.UUIDField(null=True, blank=True)
    type = models.CharField(max_length=100, blank=True)
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=ReplayOutcome.choices, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"replay of {self.type or 'unreadable message'} ({self.message_id})"


class JobRun(models.Model):
    """The last run of one periodic job in this quantum, so operators see a job that stopped running.

    One row per job, overwritten by each run: bounded storage, and the scheduler's view of the job
    is kept where the job does its work, in the quantum's own database.
    """

    job = models.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job"]

    def __str__(self) -> str:
        return f"{self.job}, started {self.started_at:%Y-%m-%d %H:%M:%S}"
