"""How portal pages show a status and a moment: one badge and one time format for every page."""

from datetime import date, datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from customer_quantum.badges import status_badge

register = template.Library()

# The zone's abbreviation ends it ("30 Nov 2026, 14:05 CET"): a time read without one is a guess.
MOMENT_FORMAT = "j M Y, H:i T"
DAY_FORMAT = "j M Y"


@register.simple_tag
def badge(kind: str, status: str) -> SafeString:
    shown = status_badge(kind=kind, status=status)
    return format_html('<span class="status tone-{}">{}</span>', shown.tone, shown.label)


@register.filter
def moment(value: datetime | None) -> str:
    """A moment in the time zone active for the request: the customer's."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), MOMENT_FORMAT)


@register.filter
def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return dateformat.format(value, DAY_FORMAT)
