"""Read-only admin pages for a quantum's outbox, inbox, dead letters (replayable) and job runs, and
the two permission shapes every quantum's admin uses for rows that only its code writes."""

from django.contrib import admin, messages
from django.db.models import Model

from messaging.endpoint import endpoint_for


class NoEditing:
    """Rows the code writes: staff look, and may delete, but never add or edit one."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ViewOnly(NoEditing):
    """Rows staff only look at: not even deleting one."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OutboxMessageAdmin(NoEditing, admin.ModelAdmin):
    list_display = ["created_at", "type", "version", "receiver", "sent_at", "send_attempts", "id"]
    list_filter = ["type", "receiver", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["=id", "=correlation_id", "type"]
    date_hierarchy = "created_at"


class InboxMessageAdmin(NoEditing, admin.ModelAdmin):
    list_display = ["first_received_at", "type", "sender", "deliveries", "applied_at", "message_id"]
    list_filter = ["type", "sender", ("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["=message_id", "=correlation_id", "type"]
    date_hierarchy = "first_received_at"


class JobRunAdmin(NoEditing, admin.ModelAdmin):
    list_display = ["job", "started_at", "finished_at", "succeeded", "error"]
    list_filter = ["succeeded"]


class DeadLetterAdmin(NoEditing, admin.ModelAdmin):
    list_display = ["dead_since", "type", "sender", "deliveries", "error", "message_id"]
    list_filter = ["type", "sender"]
    search_fields = ["=message_id", "type", "error"]
    date_hierarchy = "dead_since"
    actions = ["replay"]

    @admin.action(description="Replay the selected dead letters")
    def replay(self, request, queryset) -> None:
        endpoint = endpoint_for(queryset.db)
        for letter in queryset:
            failure = endpoint.replay(letter)
            if failure:
                self.message_user(request, f"{letter} still fails: {failure}", messages.ERROR)
            else:
                self.message_user(request, f"{letter} replayed", messages.SUCCESS)


def register_message_tables(
    outbox: type[Model], inbox: type[Model], dead_letters: type[Model], job_runs: type[Model]
) -> None:
    admin.site.register(outbox, OutboxMessageAdmin)
    admin.site.register(inbox, InboxMessageAdmin)
    admin.site.register(dead_letters, DeadLetterAdmin)
    admin.site.register(job_runs, JobRunAdmin)
