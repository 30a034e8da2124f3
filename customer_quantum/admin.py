from django.contrib import admin

from customer_quantum.models import Customer, DeadLetter, InboxMessage, OutboxMessage, Ticket
from messaging.admin import register_message_tables


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "user_id", "created_at"]
    search_fields = ["name", "email", "=user_id"]
    date_hierarchy = "created_at"


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "device_category", "priority", "status", "submitted_at"]
    list_filter = ["status", "priority", "device_category"]
    search_fields = ["=id", "title", "customer__name", "customer__email"]
    list_select_related = ["customer"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["id", "status", "status_changed_at"]


register_message_tables(OutboxMessage, InboxMessage, DeadLetter)
