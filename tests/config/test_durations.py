"""Durations as staff read them, whatever their size."""

from datetime import timedelta

import pytest

from config.durations import human_duration


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(0), "0 ms"),
        (timedelta(milliseconds=312), "312 ms"),
        (timedelta(seconds=4, milliseconds=250), "4.2 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=1, seconds=41, microseconds=308414), "1 min 41 s"),
        (timedelta(minutes=10), "10 min"),
        (timedelta(hours=2, minutes=10, seconds=59), "2 h 10 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(days=1, hours=3), "1 day 3 h"),
        (timedelta(days=12), "12 days"),
        (timedelta(seconds=-90), "-1 min 30 s"),
    ],
)
def test_two_units_at_most_and_never_a_timedelta_repr(span, text):
    assert human_duration(span) == text
