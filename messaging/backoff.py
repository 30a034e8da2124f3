"""Exponential backoff: the one schedule for whatever tries again after a failure (a delivery, a
resend, a notification's send, a restarted process), so what is down is not hammered."""

# Past this many doublings every delay is at its ceiling; counting on would overflow a float for a
# sender whose receiver stays away for weeks.
MAX_DOUBLINGS = 64


def backoff_delay(*, attempt: int, first: float, longest: float) -> float:
    """Seconds to wait after failed attempt number `attempt` (from 1): `first`, doubled after each
    further failure, never more than `longest`."""
    if attempt < 1:
        raise ValueError(f"attempts are counted from 1, not {attempt}")
    return min(longest, first * 2 ** min(attempt - 1, MAX_DOUBLINGS))
