"""Admin pages for the kernel's tables, one quantum's at a time: outbox, inbox, dead letters
(replayable by the quantum's worker), their replays and job runs; and the two permission shapes
every quantum's admin uses for rows that only its code writes.

Each table is in every quantum's database, so a page shows the quantum its address names
(`?quantum=billing`), among those the user may see (one permission per quantum)."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, OuterRef, Subquery
from django.http import QueryDict

from messaging.models import (
    DeadLetter,
    DeadLetterReplay,
    InboxMessage,
    JobRun,
    OutboxMessage,
    replay_permission,
    seen_permission,
)
from messaging.replays import dead_letters_replay_request

QUANTUM = "quantum"


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


def quanta_seen_by(user) -> list[str]:
    return [
        quantum
        for quantum in settings.MESSAGING_QUANTA
        if user.has_perm(f"messaging.{seen_permission(quantum)}")
    ]


class QuantumFilter(admin.SimpleListFilter):
    """Which quantum's database the list shows: one at a time, so no "All"."""

    title = "quantum"
    parameter_name = QUANTUM

    def lookups(self, request, model_admin):
        return [(quantum, quantum) for quantum in quanta_seen_by(request.user)]

    def value(self):
        return super().value() or next(iter(dict(self.lookup_choices)), None)

    def choices(self, changelist):
        for quantum, title in self.lookup_choices:
            yield {
                "selected": self.value() == quantum,
                "query_string": changelist.get_query_string({QUANTUM: quantum}),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset  # the admin's queryset is already of that quantum's database


class QuantumTableAdmin(NoEditing, admin.ModelAdmin):
    def quantum_shown(self, request) -> str:
        """The quantum named in the address, or carried along in the list's filters by an object's
        page; the first the user may see when none is named."""
        seen = quanta_seen_by(request.user)
        asked = request.GET.get(QUANTUM) or QueryDict(
            request.GET.get("_changelist_filters", "")
        ).get(QUANTUM)
        if asked is None and seen:
            return seen[0]
        if asked not in seen:
            raise PermissionDenied
        return asked

    def has_module_permission(self, request) -> bool:
        return bool(quanta_seen_by(request.user))

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(quanta_seen_by(request.user))

    def get_queryset(self, request):
        return super().get_queryset(request).using(self.quantum_shown(request))

    def get_list_filter(self, request):
        return [QuantumFilter, *super().get_list_filter(request)]

    def get_deleted_objects(self, objs, request):
        # Django's own asks the router for the model's one database; these rows have none, and no
        # relations to delete with them.
        perms_needed = set() if self.has_delete_permission(request) else {self.opts.verbose_name}
        return (
            [str(obj) for obj in objs],
            {self.opts.verbose_name_plural: len(objs)},
            perms_needed,
            [],
        )


class ConfirmedFilter(admin.SimpleListFilter):
    title = "confirmed by the receiver"
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(confirmed_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(QuantumTableAdmin):
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


@admin.register(InboxMessage)
class InboxMessageAdmin(QuantumTableAdmin):
    list_display = ["first_received_at", "type", "sender", "deliveries", "applied_at", "message_id"]
    list_filter = ["type", "sender", ("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["=message_id", "=correlation_id", "type"]
    date_hierarchy = "first_received_at"


@admin.register(JobRun)
class JobRunAdmin(QuantumTableAdmin):
    list_display = ["job", "started_at", "finished_at", "succeeded", "error"]
    list_filter = ["succeeded"]


def replay_state(*, requested_at, outcome: str) -> str:
    if requested_at is None:
        return "—"
    return outcome or "queued"


@admin.register(DeadLetter)
class DeadLetterAdmin(QuantumTableAdmin):
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
        latest = DeadLetterReplay.objects.filter(letter_id=OuterRef("pk")).order_by("-requested_at")
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
        quantum = self.quantum_shown(request)
        return request.user.has_perm(f"messaging.{replay_permission(quantum)}")

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


@admin.register(DeadLetterReplay)
class DeadLetterReplayAdmin(ViewOnly, QuantumTableAdmin):
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
