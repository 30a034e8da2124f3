from django.contrib import admin

from messaging.admin import register_message_tables
from ticketing.models import DeadLetter, InboxMessage, OutboxMessage, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "customer_name",
        "device_category",
        "priority",
        "status",
        "submitted_at",
    ]
    list_filter = ["status", "priority", "device_category"]
    search_fields = ["=id", "title", "description", "customer_name", "=customer_id"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["id", "customer_id", "submitted_at", "received_at"]


register_message_tables(OutboxMessage, InboxMessage, DeadLetter)
