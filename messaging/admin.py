"""Read-only admin pages for a quantum's outbox, inbox, dead letters (replayable) and job runs."""

from django.contrib import admin, messages
from django.db.models import Model

from messaging.endpoint import endpoint_for


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OutboxMessageAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "type", "version", "receiver", "sent_at", "send_attempts", "id"]
    list_filter = ["type", "receiver", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["=id", "=correlation_id", "type"]
    date_hierarchy = "created_at"


class InboxMessageAdmin(_ReadOnlyAdmin):
    list_display = ["first_received_at", "type", "sender", "deliveries", "applied_at", "message_id"]
    list_filter = ["type", "sender", ("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["=message_id", "=correlation_id", "type"]
    date_hierarchy = "first_received_at"


class JobRunAdmin(_ReadOnlyAdmin):
    list_display = ["job", "started_at", "finished_at", "succeeded", "error"]
    list_filter = ["succeeded"]


class DeadLetterAdmin(_ReadOnlyAdmin):
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
