from django import forms
from django.contrib import admin

from message_contracts.tickets import DeviceCategory
from messaging.admin import register_message_tables
from ticketing.models import DeadLetter, InboxMessage, OutboxMessage, SupportContract, Ticket

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
