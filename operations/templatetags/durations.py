"""Durations in the staff pages as people read them: `{{ span|duration }}`, `{{ moment|ago }}`."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

from config.durations import human_duration

register = template.Library()


@register.filter
def duration(span: timedelta | None) -> str:
    return "—" if span is None else human_duration(span)


@register.filter
def ago(moment: datetime | None) -> str:
    return "—" if moment is None else f"{human_duration(timezone.now() - moment)} ago"
