"""Read-only admin pages for a quantum's outbox, inbox, dead letters (replayable by the quantum's
worker), their replays and job runs, and the two permission shapes every quantum's admin uses for
rows that only its code writes."""

from django.apps import apps
from django.contrib import admin, messages
from django.db.models import Model, OuterRef, Subquery

from messaging.replays import dead_letters_replay_request


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


class OffTheIndex:
    """A kernel table is listed once per quantum in the admin index's operations module, not again
    in each quantum's section (five quanta repeat five tables); its pages stay where they are."""

    def get_model_perms(self, request) -> dict[str, bool]:
        return {}


class ConfirmedFilter(admin.SimpleListFilter):
    title = "confirmed by the receiver"
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(confirmed_at__isnull=self.value() == "no")
        return queryset


class OutboxMessageAdmin(OffTheIndex, NoEditing, admin.ModelAdmin):
    # Not `sent_at`: the fast path hands a message over without writing it, so only the receiver's
    # confirmation says a message arrived.
    list_display = [
        "created_at",
        "type",
        "version",
        "receiver",
        "confirmed_at",
        "send_attempts",
        "last_send_error",
        "resend_at",
        "id",
    ]
    list_filter = [ConfirmedFilter, "type", "receiver"]
    search_fields = ["=id", "=correlation_id", "type"]
    date_hierarchy = "created_at"


class InboxMessageAdmin(OffTheIndex, NoEditing, admin.ModelAdmin):
    list_display = ["first_received_at", "type", "sender", "deliveries", "applied_at", "message_id"]
    list_filter = ["type", "sender", ("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["=message_id", "=correlation_id", "type"]
    date_hierarchy = "first_received_at"


class JobRunAdmin(OffTheIndex, NoEditing, admin.ModelAdmin):
    list_display = ["job", "started_at", "finished_at", "succeeded", "error"]
    list_filter = ["succeeded"]


def replay_state(*, requested_at, outcome: str) -> str:
    if requested_at is None:
        return "—"
    return outcome or "queued"


class DeadLetterAdmin(OffTheIndex, NoEditing, admin.ModelAdmin):
    list_display = [
        "dead_since",
        "type",
        "sender",
        "deliveries",
        "error",
        "last_replay",
        "message_id",
    ]
    list_filter = ["type", "sender"]
    search_fields = ["=message_id", "type", "error"]
    date_hierarchy = "dead_since"
    actions = ["replay"]

    def get_queryset(self, request):
        latest = (
            apps.get_model(self.opts.app_label, "DeadLetterReplay")
            .objects.filter(letter_id=OuterRef("pk"))
            .order_by("-requested_at")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                replay_requested_at=Subquery(latest.values("requested_at")[:1]),
                replay_outcome=Subquery(latest.values("outcome")[:1]),
            )
        )

    @admin.display(description="last replay")
    def last_replay(self, letter: Model) -> str:
        return replay_state(requested_at=letter.replay_requested_at, outcome=letter.replay_outcome)

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.replay_deadletter")

    @admin.action(
        description="Replay the selected dead letters (on the quantum's worker)",
        permissions=["replay"],
    )
    def replay(self, request, queryset) -> None:
        queued, refusal = dead_letters_replay_request(
            quantum=queryset.db, letters=queryset, requested_by=request.user.get_username()
        )
        if queued:
            self.message_user(
                request,
                f"{queued} replay(s) queued for the {queryset.db} worker: the list shows each "
                "outcome once it has run (a replayed letter leaves the list; see its replay).",
                messages.SUCCESS,
            )
        if refusal:
            self.message_user(request, f"Not queued, the broker refused: {refusal}", messages.ERROR)


class DeadLetterReplayAdmin(OffTheIndex, ViewOnly, admin.ModelAdmin):
    list_display = [
        "requested_at",
        "type",
        "message_id",
        "requested_by",
        "state",
        "finished_at",
        "error",
    ]
    list_filter = ["outcome", "type"]
    search_fields = ["=message_id", "type", "requested_by"]
    date_hierarchy = "requested_at"

    @admin.display(description="state", ordering="outcome")
    def state(self, replay: Model) -> str:
        return replay_state(requested_at=replay.requested_at, outcome=replay.get_outcome_display())


def register_message_tables(
    outbox: type[Model], inbox: type[Model], dead_letters: type[Model], job_runs: type[Model]
) -> None:
    admin.site.register(outbox, OutboxMessageAdmin)
    admin.site.register(inbox, InboxMessageAdmin)
    admin.site.register(dead_letters, DeadLetterAdmin)
    admin.site.register(
        apps.get_model(dead_letters._meta.app_label, "DeadLetterReplay"), DeadLetterReplayAdmin
    )
    admin.site.register(job_runs, JobRunAdmin)
