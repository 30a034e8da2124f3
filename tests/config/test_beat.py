"""The scheduler beat runs sleeps until an entry is due, as beat's own loop drives it."""

from datetime import UTC, datetime, timedelta

from celery import Celery
from celery.beat import PersistentScheduler

from config.beat import Scheduler

EVERY_SECONDS = 0.05
SENDS = 6
# What a tick itself takes on the clock, as it does on a real one: a scheduler that asks for no
# sleep still sees time pass, one tick at a time.
TICK_SECONDS = 0.0001


class Clock:
    """The scheduler's time, which moves only as beat's loop sleeps and ticks: the test runs at
    once, and the same on a slow machine as on a fast one."""

    def __init__(self) -> None:
        self.current = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def ticks_for_sends(scheduler_class: type[PersistentScheduler], schedule_file) -> int:
    """Beat's loop (celery.beat.Service.start): a tick, then a sleep for as long as it asks."""
    clock = Clock()
    app = Celery(broker="memory://")
    app.now = clock.now
    app.conf.beat_schedule = {
        "often": {"task": "often", "schedule": EVERY_SECONDS, "options": {"queue": "often"}}
    }
    sent = []

    class Counted(scheduler_class):
        def apply_entry(self, entry, producer=None):
            sent.append(entry.name)
            super().apply_entry(entry, producer=producer)

    scheduler = Counted(app=app, schedule_filename=str(schedule_file))
    ticks = 0
    try:
        while len(sent) < SENDS:
            interval = scheduler.tick()
            ticks += 1
            clock.advance(TICK_SECONDS + (interval if interval and interval > 0 else 0))
    finally:
        scheduler.close()
    return ticks


def test_it_wakes_once_for_each_send_and_once_between(tmp_path):
    # Celery's own scheduler takes dozens of ticks a send here, looping without sleeping.
    assert ticks_for_sends(Scheduler, tmp_path / "schedule") <= 2 * SENDS + 2


def test_celery_s_own_scheduler_loops_without_sleeping_before_each_send(tmp_path):
    """What the scheduler above is for: if Celery's own stops looping, it can go."""
    assert ticks_for_sends(PersistentScheduler, tmp_path / "schedule") > 4 * SENDS
