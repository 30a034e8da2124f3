from django.contrib import admin

from analytics.models import (
    PaymentFact,
    SurveyResponse,
    TicketEvent,
    TicketFact,
)
from messaging.admin import ViewOnly


class ReadOnlyFactAdmin(ViewOnly, admin.ModelAdmin):
    """Facts are replicated from the other quanta: read-only here."""


@admin.register(PaymentFact)
class PaymentFactAdmin(ReadOnlyFactAdmin):
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


@admin.register(TicketFact)
class TicketFactAdmin(ReadOnlyFactAdmin):
    list_display = [
        "ticket_id",
        "priority",
        "device_category",
        "step",
        "submitted_at",
        "first_assigned_at",
        "completed_at",
        "resolved_by_expert_name",
    ]
    list_filter = ["step", "priority", "device_category"]
    search_fields = ["=ticket_id", "resolved_by_expert_name"]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyFactAdmin):
    list_display = ["ticket_id", "sequence", "step", "occurred_at", "expert_name"]
    list_filter = ["step"]
    search_fields = ["=ticket_id", "expert_name"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyFactAdmin):
    list_display = ["ticket_id", "rating", "expert_on_time", "would_recommend", "submitted_at"]
    list_filter = ["rating", "expert_on_time", "would_recommend"]
    search_fields = ["=ticket_id", "=survey_id", "=customer_id"]
