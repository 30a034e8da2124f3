"""What billing administrators see: accounts and their cards, masked to the last four digits
(PCI DSS 4.0 §3.4.1). No page shows a card number or its ciphertext, and no page changes a card."""

from django.contrib import admin

from billing_quantum.models import BillingAccount, Card, DeadLetter, InboxMessage, OutboxMessage
from messaging.admin import register_message_tables


class ViewOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MaskedCard(ViewOnly):
    @admin.display(description="number")
    def masked_number(self, card: Card) -> str:
        return f"•••• {card.last4}"

    @admin.display(description="expiry", ordering="expiry_year")
    def expiry(self, card: Card) -> str:
        return f"{card.expiry_month:02d}/{card.expiry_year}"


class CardInline(MaskedCard, admin.TabularInline):
    model = Card
    fields = ["brand", "masked_number", "expiry", "status", "rejection_reason", "registered_at"]
    readonly_fields = fields
    extra = 0


@admin.register(BillingAccount)
class BillingAccountAdmin(ViewOnly, admin.ModelAdmin):
    """Accounts copy what customers chose in the customer quantum; they change only by its messages."""

    list_display = [
        "customer_name",
        "customer_email",
        "customer_id",
        "contract_code",
        "monthly_price",
        "currency",
        "plan_chosen_at",
    ]
    list_filter = ["contract_code", "currency"]
    search_fields = ["customer_name", "customer_email", "=customer_id", "contract_code"]
    date_hierarchy = "created_at"
    inlines = [CardInline]


@admin.register(Card)
class CardAdmin(MaskedCard, admin.ModelAdmin):
    list_display = ["masked_number", "brand", "expiry", "status", "account", "registered_at"]
    list_filter = ["status", "brand"]
    search_fields = [
        "=last4",
        "=card_id",
        "holder_name",
        "account__customer_name",
        "account__customer_email",
        "=account__customer_id",
    ]
    list_select_related = ["account"]
    date_hierarchy = "registered_at"
    fields = [
        "card_id",
        "account",
        "brand",
        "masked_number",
        "expiry",
        "holder_name",
        "status",
        "rejection_reason",
        "key_id",
        "registered_at",
        "stored_at",
    ]
    readonly_fields = fields


register_message_tables(OutboxMessage, InboxMessage, DeadLetter)
