"""Durations as staff read them ("1 min 41 s", "2 h 10 min") in every page and command that shows
one, never a timedelta's repr ("0:01:41.308414")."""

from datetime import timedelta


def human_duration(span: timedelta) -> str:
    """Its two largest units, which is all a reader takes in at a glance; milliseconds, and tenths
    of a second under ten seconds, where the hops of one message are told apart."""
    seconds = span.total_seconds()
    if seconds < 0:
        return f"-{human_duration(-span)}"
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return _two_units(whole // 60, "min", whole % 60, "s")
    if whole < 86400:
        return _two_units(whole // 3600, "h", whole % 3600 // 60, "min")
    days = whole // 86400
    return _two_units(days, "days" if days > 1 else "day", whole % 86400 // 3600, "h")


def _two_units(large: int, large_unit: str, small: int, small_unit: str) -> str:
    return f"{large} {large_unit} {small} {small_unit}" if small else f"{large} {large_unit}"
