"""The kernel's one backoff schedule: doubling from the first delay, held at the longest."""

import pytest

from messaging.backoff import backoff_delay


def test_the_delay_doubles_after_each_failure_until_it_reaches_the_longest():
    delays = [backoff_delay(attempt=n, first=1.5, longest=10.0) for n in range(1, 7)]

    assert delays == [1.5, 3.0, 6.0, 10.0, 10.0, 10.0]


def test_a_sender_that_has_failed_for_weeks_still_waits_the_longest():
    assert backoff_delay(attempt=5000, first=120.0, longest=3600.0) == 3600.0


@pytest.mark.parametrize("attempt", [0, -1])
def test_attempts_are_counted_from_one(attempt):
    with pytest.raises(ValueError, match=f"attempts are counted from 1, not {attempt}"):
        backoff_delay(attempt=attempt, first=1.0, longest=10.0)
