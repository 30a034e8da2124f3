from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR

from config.admin_lists import CountingUpTo, LargeTableAdmin
from message_contracts.tickets import DeviceCategory
from messaging.admin import NoEditing
from ticketing import selectors
from ticketing.models import (
    Article,
    Assignment,
    Expert,
    SupportContract,
    Ticket,
    UnassignedTicketAlert,
)

DEVICE_CATEGORY_CHOICES = [
    (category.value, category.value.capitalize()) for category in DeviceCategory
]


class SupportContractForm(forms.ModelForm):
    # The model keeps a free JSON list; an unknown category would make the contract fail the
    # published record's validation and hold up the replication of the whole catalog.
    device_categories = forms.MultipleChoiceField(
        choices=DEVICE_CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The devices this contract covers.",
    )

    class Meta:
        model = SupportContract
        fields = [
            "code",
            "name",
            "description",
            "monthly_price",
            "currency",
            "response_time_hours",
            "device_categories",
            "active",
        ]


class DeviceCategoryFilter(admin.SimpleListFilter):
    title = "device category"
    parameter_name = "device_category"

    def lookups(self, request, model_admin):
        return DEVICE_CATEGORY_CHOICES

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # JSON containment is not available on SQLite; the quoted value matches one list element.
        return queryset.filter(device_categories__icontains=f'"{self.value()}"')


@admin.register(SupportContract)
class SupportContractAdmin(admin.ModelAdmin):
    form = SupportContractForm
    list_display = [
        "code",
        "name",
        "price",
        "response_time_hours",
        "covered_devices",
        "active",
        "updated_at",
    ]
    list_filter = ["active", "currency", DeviceCategoryFilter]
    search_fields = ["code", "name"]

    @admin.display(description="monthly price", ordering="monthly_price")
    def price(self, contract: SupportContract) -> str:
        return f"{contract.monthly_price} {contract.currency}"

    @admin.display(description="devices")
    def covered_devices(self, contract: SupportContract) -> str:
        return ", ".join(contract.device_categories)

    def get_readonly_fields(self, request, obj=None):
        # The code is the contract's key in the replica and in customers' plans: never renamed.
        return ["code", "updated_at"] if obj else ["updated_at"]


class AssignmentInline(admin.TabularInline):
    """The ticket's history of offers to experts; written by the job and the experts, never here."""

    model = Assignment
    extra = 0
    can_delete = False
    fields = [
        "expert",
        "status",
        "assigned_at",
        "expected_arrival",
        "accepted_at",
        "started_at",
        "completed_at",
        "rejected_at",
        "rejection_reason",
        "resolution_notes",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class HelpdeskCounting(CountingUpTo):
    """The list counts up to the limit; a search counts its matches itself, up to the page shown
    (`tickets_search`)."""

    def __init__(self, *args, found: selectors.TicketsFound | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if found is not None and found.count is not None:
            self.count = found.count
            self.limit = found.most


def page_asked(request) -> int:
    """The page of the list asked for, as the admin's list reads it; the first when unreadable."""
    try:
        return max(int(request.GET.get(PAGE_VAR, 1)), 1)
    except ValueError:
        return 1


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """The helpdesk's ticket search: by customer (name or id), ticket id, status and text
    (`tickets_search`), over millions of tickets: no query of the page reads every ticket."""

    list_display = [
        "title",
        "customer_name",
        "customer_region",
        "device_category",
        "priority",
        "status",
        "submitted_at",
    ]
    list_filter = [
        "status",
        "priority",
        "device_category",
        # Not a date hierarchy: its year links come from a DISTINCT over every ticket.
        ("submitted_at", admin.DateFieldListFilter),
    ]
    # Shows the search box; what a search finds is `get_search_results`' (tickets_search).
    search_fields = ["title", "description", "customer_name"]
    search_help_text = (
        "A ticket id, a customer id, or whole words of the title, the description or the "
        "customer's name, in any case (each word of three characters or more must match)."
    )
    show_full_result_count = False
    # The customer's own words, as the customer quantum took them in, and what the search finds.
    readonly_fields = [
        "id",
        "customer_id",
        "customer_name",
        "title",
        "description",
        "status",
        "status_sequence",
        "submitted_at",
        "received_at",
    ]
    inlines = [AssignmentInline]

    def get_search_results(self, request, queryset, search_term):
        found = selectors.tickets_search(
            tickets=queryset, text=search_term, shown=self.list_per_page * page_asked(request)
        )
        # The paginator is made later from the queryset alone: the request carries the count.
        request.tickets_found = found
        return found.tickets, False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return HelpdeskCounting(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            found=getattr(request, "tickets_found", None),
        )


class ExpertForm(forms.ModelForm):
    skills = forms.MultipleChoiceField(
        choices=DEVICE_CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The devices the expert repairs.",
    )

    class Meta:
        model = Expert
        fields = ["user_id", "name", "phone", "skills", "region", "available", "capacity"]


class SkillFilter(DeviceCategoryFilter):
    title = "skill"
    parameter_name = "skill"

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(skills__icontains=f'"{self.value()}"')


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    form = ExpertForm
    list_display = ["name", "region", "skill_list", "available", "open_assignments", "capacity"]
    list_filter = ["available", "region", SkillFilter]
    search_fields = ["name", "region", "phone", "=user_id"]
    readonly_fields = ["open_assignments"]

    @admin.display(description="skills")
    def skill_list(self, expert: Expert) -> str:
        return ", ".join(expert.skills)


@admin.register(Assignment)
class AssignmentAdmin(NoEditing, LargeTableAdmin):
    list_display = ["ticket", "expert", "status", "assigned_at", "expected_arrival"]
    list_filter = ["status"]
    search_keys = ["ticket_id", "expert_id", "expert__user_id"]
    search_help_text = "A ticket id, an expert id or an expert's user id."
    list_select_related = ["ticket", "expert"]


@admin.register(UnassignedTicketAlert)
class UnassignedTicketAlertAdmin(NoEditing, admin.ModelAdmin):
    """Tickets no expert could take for too long: staff find one (or change an expert's region,
    skills or capacity) and the next run assigns it."""

    list_display = ["ticket", "ticket_region", "ticket_device", "raised_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["=ticket__id", "ticket__title", "ticket__customer_name"]
    list_select_related = ["ticket"]

    @admin.display(description="region")
    def ticket_region(self, alert: UnassignedTicketAlert) -> str:
        return alert.ticket.customer_region

    @admin.display(description="device")
    def ticket_device(self, alert: UnassignedTicketAlert) -> str:
        return alert.ticket.device_category


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "device_category", "author", "updated_at"]
    list_filter = ["device_category"]
    search_fields = ["title", "body"]
    list_select_related = ["author"]
