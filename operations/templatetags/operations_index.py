"""The admin index's operations module: the pipes' status, every quantum's dead letters and the
message trace, each link shown to who may open it. The kernel's tables are the messaging app's own
section of the index, once for every quantum (each page shows one quantum at a time)."""

from django import template

from messaging.admin import quanta_seen_by
from operations.trace import may_trace

register = template.Library()


@register.inclusion_tag("operations/index_module.html", takes_context=True)
def operations_module(context) -> dict:
    user = context["request"].user
    return {"dead_letters": bool(quanta_seen_by(user)), "trace": may_trace(user)}
