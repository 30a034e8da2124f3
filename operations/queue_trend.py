"""Whether a queue keeps growing: its recent depths, kept in the broker's Redis between reports.

The report may be read every few seconds by several scrapers, so a depth is kept only when the
newest kept one is at least `SAMPLE_SPACING_SECONDS` old; the samples expire on their own once
nobody reads the report.
"""

from dataclasses import dataclass
from itertools import pairwise

import redis

SAMPLE_SPACING_SECONDS = 5.0
SAMPLES_KEPT = 12
SAMPLES_EXPIRE_SECONDS = 300
# Growing: it rose at every sample for at least this long, over at least two rises.
GROWING_FOR_SECONDS = 30.0
GROWING_RISES = 2


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the epoch
    depth: int


def depths_seen(
    client: redis.Redis, key_prefix: str, queue: str, depth: int, *, at: float
) -> list[Sample]:
    """The queue's depths to judge its trend by, newest first: this one, then those kept before.
    It is kept too, unless the newest kept one is too recent; then it stands in for that one."""
    key = f"{key_prefix}sysops:queue-depths:{queue}"
    kept = _samples(client, key)
    if kept and at - kept[0].at < SAMPLE_SPACING_SECONDS:
        return [Sample(at, depth), *kept[1:]]
    with client.pipeline() as pipe:
        pipe.lpush(key, f"{at}:{depth}")
        pipe.ltrim(key, 0, SAMPLES_KEPT - 1)
        pipe.expire(key, SAMPLES_EXPIRE_SECONDS)
        pipe.execute()
    return [Sample(at, depth), *kept][:SAMPLES_KEPT]


def growing_for(samples: list[Sample]) -> float | None:
    """How long the depth has risen at every sample (newest first), when that makes it growing."""
    rising = samples[:1]
    for newer, older in pairwise(samples):
        if newer.depth <= older.depth:
            break
        rising.append(older)
    if len(rising) - 1 < GROWING_RISES:
        return None
    span = rising[0].at - rising[-1].at
    return span if span >= GROWING_FOR_SECONDS else None


def _samples(client: redis.Redis, key: str) -> list[Sample]:
    return [
        Sample(float(at), int(depth))
        for at, depth in (entry.decode().split(":") for entry in client.lrange(key, 0, -1))
    ]
