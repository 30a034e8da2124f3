"""The admin index's operations module: the pipes' status, every quantum's dead letters, the
message trace, and each quantum's kernel tables on one row, each link shown to who may open it."""

from django import template
from django.conf import settings
from django.urls import reverse

from messaging.endpoint import endpoint_for
from operations.trace import may_trace

register = template.Library()

KERNEL_TABLES = [
    ("outbox", "outboxmessage"),
    ("inbox", "inboxmessage"),
    ("dead letters", "deadletter"),
    ("replays", "deadletterreplay"),
    ("job runs", "jobrun"),
]


@register.inclusion_tag("operations/index_module.html", takes_context=True)
def operations_module(context) -> dict:
    user = context["request"].user
    tables = []
    for quantum in settings.QUANTA:
        app_label = endpoint_for(quantum).app_label
        links = [
            (name, reverse(f"admin:{app_label}_{model}_changelist"))
            for name, model in KERNEL_TABLES
            if user.has_perm(f"{app_label}.view_{model}")
        ]
        if links:
            tables.append((quantum, links))
    return {
        "dead_letters": any(
            user.has_perm(f"{endpoint_for(quantum).app_label}.view_deadletter")
            for quantum in settings.QUANTA
        ),
        "trace": may_trace(user),
        "tables": tables,
    }
