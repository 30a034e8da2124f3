from datetime import datetime

from django.contrib import admin
from django.utils.timesince import timesince

from customer_quantum.models import (
    CardSummary,
    Customer,
    DeadLetter,
    InboxMessage,
    OutboxMessage,
    ReplicaWatermark,
    SupportContract,
    Ticket,
)
from messaging.admin import register_message_tables


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "user_id", "created_at"]
    search_fields = ["name", "email", "=user_id"]
    date_hierarchy = "created_at"


@admin.register(CardSummary)
class CardSummaryAdmin(admin.ModelAdmin):
    """What the portal knows of a card; the number itself only ever exists in billing."""

    list_display = ["__str__", "customer", "expiry_month", "expiry_year", "status", "registered_at"]
    list_filter = ["status", "brand"]
    search_fields = ["customer__name", "customer__email", "=last4"]
    list_select_related = ["customer"]
    date_hierarchy = "registered_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "device_category", "priority", "status", "submitted_at"]
    list_filter = ["status", "priority", "device_category"]
    search_fields = ["=id", "title", "customer__name", "customer__email"]
    list_select_related = ["customer"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["id", "status", "status_changed_at"]


class ReplicaAdmin(admin.ModelAdmin):
    """A replica is written only by its replication job: staff look, never edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupportContract)
class SupportContractAdmin(ReplicaAdmin):
    list_display = [
        "code",
        "name",
        "monthly_price",
        "currency",
        "response_time_hours",
        "active",
        "source_updated_at",
        "replicated_at",
    ]
    list_filter = ["active", "currency"]
    search_fields = ["code", "name"]


def _age(moment: datetime | None) -> str:
    return timesince(moment) if moment else "never synced"


@admin.register(ReplicaWatermark)
class ReplicaWatermarkAdmin(ReplicaAdmin):
    list_display = ["table", "watermark", "watermark_age", "synced_at", "lag"]

    @admin.display(description="watermark age")
    def watermark_age(self, mark: ReplicaWatermark) -> str:
        return _age(mark.watermark)

    @admin.display(description="lag (since last sync)")
    def lag(self, mark: ReplicaWatermark) -> str:
        """How stale the replica may be: changes made since the last sync are not in it yet."""
        return _age(mark.synced_at)


register_message_tables(OutboxMessage, InboxMessage, DeadLetter)
