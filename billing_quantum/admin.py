"""What billing administrators see: accounts and their cards, masked to the last four digits
(PCI DSS 4.0 §3.4.1), payments, invoices and payment alerts. No page shows a card number or its
ciphertext, and no page changes a card, a payment or an invoice: only the Payment job and a retry
of an alert do, both on billing's worker."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from billing_quantum.models import (
    BillingAccount,
    Card,
    Invoice,
    Payment,
    PaymentAlert,
    PaymentChunk,
    PaymentRun,
)
from billing_quantum.selectors import PaymentRunProgress, payment_run_progress
from billing_quantum.services import payment_alerts_retry_request
from config.admin_lists import LargeTableAdmin
from messaging.admin import ViewOnly

PERIODS_OFFERED = 24


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


class PeriodFilter(admin.SimpleListFilter):
    """The months the Payment job may have billed, newest first, counted back from the month just
    ended: asking a table of millions of rows which months it holds would read every row."""

    title = "period"
    parameter_name = "period"

    def lookups(self, request, model_admin):
        month = timezone.localdate().replace(day=1)
        months = []
        for _ in range(PERIODS_OFFERED):
            month = (month - timedelta(days=1)).replace(day=1)
            months.append((f"{month:%Y-%m}", f"{month:%Y-%m}"))
        return months

    def queryset(self, request, queryset):
        return queryset.filter(period=self.value()) if self.value() else queryset


@admin.register(BillingAccount)
class BillingAccountAdmin(ViewOnly, LargeTableAdmin):
    """Accounts copy what customers chose in the customer quantum; they change only by its messages."""

    list_display = [
        "customer_name",
        "customer_email",
        "customer_id",
        "contract_code",
        "monthly_price",
        "currency",
        "plan_started_at",
        "plan_chosen_at",
    ]
    search_keys = ["customer_id"]
    search_help_text = "A customer id."
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


class InvoiceInline(ViewOnly, admin.StackedInline):
    model = Invoice
    fields = ["number", "period", "total", "currency", "status", "issued_on"]
    readonly_fields = fields
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ViewOnly, LargeTableAdmin):
    list_display = [
        "period",
        "account",
        "amount",
        "currency",
        "status",
        "attempt",
        "card",
        "failure_reason",
        "settled_at",
    ]
    list_filter = ["status", PeriodFilter]
    search_keys = ["id", "account__customer_id", "invoice__number"]
    search_help_text = "A payment id, a customer id or an invoice number."
    list_select_related = ["account", "card"]
    inlines = [InvoiceInline]


@admin.register(Invoice)
class InvoiceAdmin(ViewOnly, LargeTableAdmin):
    list_display = ["number", "period", "account", "total", "currency", "status", "issued_on"]
    list_filter = ["status", PeriodFilter]
    search_keys = ["number", "account__customer_id"]
    search_help_text = "An invoice number or a customer id."
    list_select_related = ["account"]


class AlertOpen(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() in {"open", "resolved"}:
            return queryset.filter(resolved_at__isnull=self.value() == "open")
        return queryset


@admin.register(PaymentAlert)
class PaymentAlertAdmin(ViewOnly, admin.ModelAdmin):
    """Charges that did not go through. Retrying asks the provider again: a charge that got no
    answer under its original key (never twice), a declined one as a new charge on the newest
    active card. The retry is queued to billing's worker, which alone can open the card number;
    the list shows it queued, then its outcome."""

    list_display = ["raised_at", "payment", "reason", "retries", "last_retry", "resolved_at"]
    list_filter = [AlertOpen, "payment__status", "payment__period"]
    search_fields = [
        "reason",
        "payment__account__customer_name",
        "payment__account__customer_email",
        "=payment__account__customer_id",
    ]
    list_select_related = ["payment__account"]
    date_hierarchy = "raised_at"
    actions = ["retry"]

    @admin.display(description="last retry asked for")
    def last_retry(self, alert: PaymentAlert) -> str:
        if alert.retry_requested_at is None:
            return "—"
        if alert.retry_finished_at is None:
            return f"queued by {alert.retry_requested_by}"
        return f"{alert.retry_outcome} ({alert.retry_finished_at:%Y-%m-%d %H:%M})"

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("billing_quantum.retry_paymentalert")

    @admin.action(
        description="Retry the charge of the selected alerts (on billing's worker)",
        permissions=["retry"],
    )
    def retry(self, request, queryset) -> None:
        queued, refusal = payment_alerts_retry_request(
            alerts=queryset, requested_by=request.user.get_username()
        )
        if queued:
            self.message_user(
                request,
                f"{queued} retry(ies) queued for billing's worker: the list shows each outcome "
                "once it has run.",
                messages.SUCCESS,
            )
        elif not refusal:
            self.message_user(request, "No open alert selected.", messages.WARNING)
        if refusal:
            self.message_user(request, f"Not queued, the broker refused: {refusal}", messages.ERROR)


@admin.register(PaymentRun)
class PaymentRunAdmin(ViewOnly, admin.ModelAdmin):
    """Each month's Payment job as billing's workers bill it: how far it is and when it should end."""

    list_display = [
        "period",
        "planned_at",
        "progress",
        "chunks_finished",
        "expected_end",
        "finished_at",
        "outcome",
    ]
    list_filter = ["period"]
    fields = list_display
    readonly_fields = list_display

    def _progress(self, run: PaymentRun) -> PaymentRunProgress:
        # Several columns of a row read it: summed over the run's chunks once per row.
        if getattr(run, "_progress", None) is None:
            run._progress = payment_run_progress(run=run)
        return run._progress

    @admin.display(description="accounts done")
    def progress(self, run: PaymentRun) -> str:
        progress = self._progress(run)
        share = progress.done / progress.accounts if progress.accounts else 1
        return f"{progress.done} of {progress.accounts} ({share:.0%})"

    @admin.display(description="chunks finished")
    def chunks_finished(self, run: PaymentRun) -> str:
        progress = self._progress(run)
        given_up = f", {progress.chunks_given_up} given up" if progress.chunks_given_up else ""
        return f"{progress.chunks_finished} of {progress.chunks}{given_up}"

    @admin.display(description="expected end")
    def expected_end(self, run: PaymentRun) -> str:
        end = self._progress(run).expected_end(now=timezone.now())
        return f"{timezone.localtime(end):%Y-%m-%d %H:%M:%S}" if end else "—"

    @admin.display(description="outcome so far")
    def outcome(self, run: PaymentRun) -> str:
        return self._progress(run).outcome()


@admin.register(PaymentChunk)
class PaymentChunkAdmin(ViewOnly, admin.ModelAdmin):
    """A run's chunks: which ran how often, and why one was given up."""

    list_display = [
        "run",
        "number",
        "first_account_id",
        "last_account_id",
        "accounts",
        "done",
        "deliveries",
        "started_at",
        "finished_at",
        "error",
    ]
    list_filter = ["run__period", ("finished_at", admin.EmptyFieldListFilter)]
    list_select_related = ["run"]
