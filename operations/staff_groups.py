"""Staff groups, one per area of the business: each sees the admin of its own quanta and no other.

Billing data (accounts, cards, payments, invoices, payment alerts, and the customer quantum's card
summaries) is seen by billing administrators only, who alone may replay billing's dead letters; the
other quanta's dead letters are replayed by superusers. Superusers keep seeing everything.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

BILLING_ADMINISTRATORS = "Billing administrators"
HELPDESK = "Helpdesk"
EXPERTS = "Experts"
MANAGERS = "Managers"


def _view_every_model(app_label: str) -> list[str]:
    return [
        f"{app_label}.view_{model._meta.model_name}"
        for model in apps.get_app_config(app_label).get_models()
    ]


def staff_group_permissions() -> dict[str, list[str]]:
    """Each group's permissions as `app_label.codename`."""
    return {
        BILLING_ADMINISTRATORS: [
            *_view_every_model("billing_quantum"),
            "billing_quantum.retry_paymentalert",
            # Billing's outbox, inbox, dead letters and job runs (messaging keeps every quantum's).
            "messaging.see_billing_messages",
            # Billing's dead letters include card registrations: replaying one opens card data.
            "messaging.replay_billing_deadletters",
            "customer_quantum.view_cardsummary",
        ],
        # UC-9 and the phone: find customers and tickets, file a ticket for a caller, follow it.
        HELPDESK: [
            "customer_quantum.view_customer",
            "customer_quantum.view_ticket",
            # A caller asking whether their survey was sent or answered (never what it said).
            "customer_quantum.view_surveyinvitation",
            "ticketing.view_ticket",
            "ticketing.view_assignment",
            "ticketing.view_unassignedticketalert",
            "ticketing.view_expert",
            "ticketing.view_article",
        ],
        # UC-5: experts search and update the knowledge base.
        EXPERTS: ["ticketing.view_article", "ticketing.add_article", "ticketing.change_article"],
        # UC-6: ticket operations, expert performance and the financial facts.
        MANAGERS: [
            *_view_every_model("analytics"),
            "messaging.see_analytics_messages",
            "analytics.view_reports",
            "ticketing.view_ticket",
            "ticketing.view_assignment",
            "ticketing.view_unassignedticketalert",
            "ticketing.view_expert",
        ],
    }


@transaction.atomic
def staff_groups_setup() -> dict[str, int]:
    """Creates the groups or resets them to exactly their permissions (safe to run again); returns
    how many permissions each group holds."""
    held = {}
    for name, permission_names in staff_group_permissions().items():
        permissions = []
        for permission_name in permission_names:
            app_label, codename = permission_name.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        held[name] = len(permissions)
    return held
