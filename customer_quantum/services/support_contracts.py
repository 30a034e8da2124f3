"""The replica of ticketing's support-contract catalog: changes applied, the watermark moved on."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from customer_quantum.apps import DATABASE
from customer_quantum.models import ReplicaWatermark, SupportContract
from message_contracts.support_contracts import SupportContractChanges, SupportContractRecord

WATERMARK = "support_contracts"
REPLICATED_FIELDS = [
    "name",
    "description",
    "monthly_price",
    "currency",
    "response_time_hours",
    "device_categories",
    "active",
    "source_updated_at",
]


@dataclass(frozen=True)
class ReplicationSummary:
    new: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0
    watermark: datetime | None = None

    def __add__(self, later: "ReplicationSummary") -> "ReplicationSummary":
        """The summary of this batch of changes followed by a later one."""
        return ReplicationSummary(
            new=self.new + later.new,
            updated=self.updated + later.updated,
            retired=self.retired + later.retired,
            unchanged=self.unchanged + later.unchanged,
            watermark=later.watermark,
        )

    def __str__(self) -> str:
        watermark = self.watermark.isoformat() if self.watermark else "none yet"
        return (
            f"{self.new} new, {self.updated} updated, {self.retired} retired, "
            f"{self.unchanged} unchanged; watermark {watermark}"
        )


def support_contracts_watermark() -> datetime | None:
    """The source's last change the replica holds: replication resumes from there."""
    return (
        ReplicaWatermark.objects.filter(table=WATERMARK).values_list("watermark", flat=True).first()
    )


def _replicated_fields(record: SupportContractRecord) -> dict[str, Any]:
    """The replica's copy of a record, keyed by REPLICATED_FIELDS."""
    return {
        "name": record.name,
        "description": record.description,
        "monthly_price": record.monthly_price,
        "currency": record.currency,
        "response_time_hours": record.response_time_hours,
        "device_categories": [str(category) for category in record.device_categories],
        "active": record.active,
        "source_updated_at": record.updated_at,
    }


def support_contracts_replicate(*, changes: SupportContractChanges) -> ReplicationSummary:
    """Applies one page of ticketing's changes and moves the watermark, in one transaction.

    A contract that is unchanged is not written, so a run with nothing new writes no contract. One
    that ticketing deactivated or deleted is retired (inactive), never deleted: plans point at it.
    """
    now = timezone.now()
    with transaction.atomic(using=DATABASE):
        # Locked first, so two runs at once apply their pages one after the other.
        mark, _ = ReplicaWatermark.objects.select_for_update().get_or_create(table=WATERMARK)
        held = SupportContract.objects.in_bulk([record.code for record in changes.changed])
        new, rewritten = [], []
        updated = retired = unchanged = 0
        for record in changes.changed:
            fields = _replicated_fields(record)
            replica = held.get(record.code)
            if replica is None:
                new.append(SupportContract(code=record.code, replicated_at=now, **fields))
                continue
            if all(getattr(replica, name) == value for name, value in fields.items()):
                unchanged += 1
                continue
            if replica.active and not record.active:
                retired += 1
            else:
                updated += 1
            for name, value in fields.items():
                setattr(replica, name, value)
            replica.replicated_at = now
            rewritten.append(replica)
        SupportContract.objects.bulk_create(new)
        SupportContract.objects.bulk_update(rewritten, [*REPLICATED_FIELDS, "replicated_at"])

        active_codes = SupportContract.objects.filter(active=True).values_list("code", flat=True)
        deleted_at_source = set(active_codes) - changes.existing_codes
        retired += SupportContract.objects.filter(code__in=deleted_at_source).update(
            active=False, replicated_at=now
        )

        newest = max((record.updated_at for record in changes.changed), default=None)
        if newest is not None and (mark.watermark is None or newest > mark.watermark):
            mark.watermark = newest
        # Moved on every run, even one that changed nothing: the lag staff see is the job's health.
        mark.synced_at = now
        mark.save(update_fields=["watermark", "synced_at"])
    return ReplicationSummary(
        new=len(new),
        updated=updated,
        retired=retired,
        unchanged=unchanged,
        watermark=mark.watermark,
    )
