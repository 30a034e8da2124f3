from django.contrib import admin

from analytics.models import DeadLetter, InboxMessage, OutboxMessage, PaymentFact
from messaging.admin import register_message_tables


@admin.register(PaymentFact)
class PaymentFactAdmin(admin.ModelAdmin):
    """Facts are replicated from billing: read-only here."""

    list_display = [
        "period",
        "customer_id",
        "contract_code",
        "amount",
        "currency",
        "outcome",
        "invoice_number",
        "recorded_at",
    ]
    list_filter = ["outcome", "period", "currency", "contract_code"]
    search_fields = ["=customer_id", "invoice_number", "=payment_id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


register_message_tables(OutboxMessage, InboxMessage, DeadLetter)
