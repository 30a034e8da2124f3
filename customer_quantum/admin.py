from datetime import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from config.admin_lists import LargeTableAdmin
from config.durations import human_duration
from customer_quantum.forms import TicketForm
from customer_quantum.models import (
    CardSummary,
    Customer,
    ReplicaWatermark,
    SupportContract,
    SurveyInvitation,
    Ticket,
)
from customer_quantum.services.tickets import ticket_submit
from messaging.admin import NoEditing, ViewOnly


@admin.register(Customer)
class CustomerAdmin(LargeTableAdmin):
    list_display = ["name", "email", "user_id", "created_at", "file_ticket_link"]
    search_keys = ["id", "email", "user_id"]
    search_help_text = (
        "A customer id, an e-mail address or a user id. A customer's name: the helpdesk's ticket "
        "search finds their tickets, with their customer id."
    )

    @admin.display(description="helpdesk")
    def file_ticket_link(self, customer: Customer) -> str:
        url = reverse("admin:customer_quantum_customer_file_ticket", args=[customer.pk])
        return format_html('<a href="{}">File a ticket</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:customer_id>/file-ticket/",
                self.admin_site.admin_view(self.file_ticket),
                name="customer_quantum_customer_file_ticket",
            ),
            *super().get_urls(),
        ]

    def file_ticket(self, request: HttpRequest, customer_id: int) -> HttpResponse:
        """The helpdesk files a ticket for a customer on the phone: the portal's own service, so
        it flows exactly like a ticket the customer submitted."""
        customer = get_object_or_404(Customer, pk=customer_id)
        if not self.has_view_permission(request, customer):
            raise PermissionDenied
        form = TicketForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            ticket = ticket_submit(customer=customer, **form.cleaned_data)
            self.message_user(request, f"Ticket {ticket.id} filed for {customer}.")
            return redirect("admin:customer_quantum_ticket_change", ticket.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"File a ticket for {customer}",
            "customer": customer,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/customer_quantum/customer/file_ticket.html", context)


@admin.register(CardSummary)
class CardSummaryAdmin(NoEditing, admin.ModelAdmin):
    """What the portal knows of a card; the number itself only ever exists in billing."""

    list_display = ["__str__", "customer", "expiry_month", "expiry_year", "status", "registered_at"]
    list_filter = ["status", "brand"]
    search_fields = ["customer__name", "customer__email", "=last4"]
    list_select_related = ["customer"]
    date_hierarchy = "registered_at"


@admin.register(Ticket)
class TicketAdmin(LargeTableAdmin):
    list_display = ["title", "customer", "device_category", "priority", "status", "submitted_at"]
    list_filter = ["status", "priority", "device_category"]
    search_keys = ["id", "customer_id", "customer__email"]
    search_help_text = (
        "A ticket id, a customer id or a customer's e-mail address. Words of a title or a name: "
        "the helpdesk's ticket search."
    )
    list_select_related = ["customer"]
    readonly_fields = ["id", "status", "status_changed_at"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ViewOnly, admin.ModelAdmin):
    """Who was asked for a survey and whether they answered. The answers are analytics'; an
    invitation is written by the ticket's completion and its answer only, never by staff."""

    list_display = ["ticket", "customer", "created_at", "expires_at", "used_at"]
    list_filter = [
        ("used_at", admin.EmptyFieldListFilter),
        "created_at",
        "expires_at",
    ]
    search_fields = ["=id", "=ticket__id", "ticket__title", "customer__name", "customer__email"]
    list_select_related = ["ticket", "customer"]
    date_hierarchy = "created_at"


class ReplicaAdmin(ViewOnly, admin.ModelAdmin):
    """A replica is written only by its replication job: staff look, never edit."""


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
    return human_duration(timezone.now() - moment) if moment else "never synced"


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
