"""What staff see of notifications: every request and its attempts, resending, and the switch that
pauses sending for maintenance."""

from django.contrib import admin, messages

from messaging.admin import NoEditing, ViewOnly
from notifications.models import (
    DeliveryAttempt,
    Notification,
    SendingSwitch,
)
from notifications.services import (
    notifications_pause,
    notifications_resend,
    notifications_resume,
    sending_switch,
)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["attempted_at", "succeeded", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(NoEditing, admin.ModelAdmin):
    list_display = [
        "received_at",
        "notification_type",
        "channel",
        "recipient_name",
        "reference",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["notification_type", "channel", "status"]
    search_fields = ["recipient_name", "recipient_email", "recipient_phone", "reference"]
    date_hierarchy = "received_at"
    inlines = [DeliveryAttemptInline]
    actions = ["resend"]

    @admin.action(description="Resend the selected notifications", permissions=["view"])
    def resend(self, request, queryset) -> None:
        count = notifications_resend(notification_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"{count} notifications will be sent again shortly.", messages.SUCCESS
        )


@admin.register(SendingSwitch)
class SendingSwitchAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["__str__", "changed_at"]
    actions = ["pause", "resume"]

    def changelist_view(self, request, extra_context=None):
        sending_switch()  # the one row exists before anybody can select it
        return super().changelist_view(request, extra_context)

    @admin.action(description="Pause sending (requests are held)", permissions=["view"])
    def pause(self, request, queryset) -> None:
        notifications_pause()
        self.message_user(request, "Sending paused.", messages.WARNING)

    @admin.action(
        description="Resume sending (held requests go out, oldest first)", permissions=["view"]
    )
    def resume(self, request, queryset) -> None:
        released = notifications_resume()
        self.message_user(request, f"Sending resumed: {released} held notifications released.")
