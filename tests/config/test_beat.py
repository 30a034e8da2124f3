"""The scheduler beat runs sleeps until an entry is due, as beat's own loop drives it."""

import time

from celery import Celery
from celery.beat import PersistentScheduler

from config.beat import Scheduler

EVERY_SECONDS = 0.05
SENDS = 6


def ticks_for_sends(scheduler_class: type[PersistentScheduler], schedule_file) -> int:
    """Beat's loop (celery.beat.Service.start): a tick, then a sleep for as long as it asks."""
    app = Celery(broker="memory://")
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
            if interval and interval > 0:
                time.sleep(interval)
    finally:
        scheduler.close()
    return ticks


def test_it_wakes_once_for_each_send_and_once_between(tmp_path):
    # Celery's own scheduler takes dozens of ticks a send here, looping without sleeping.
    assert ticks_for_sends(Scheduler, tmp_path / "schedule") <= 2 * SENDS + 2


def test_celery_s_own_scheduler_loops_without_sleeping_before_each_send(tmp_path):
    """What the scheduler above is for: if Celery's own stops looping, it can go."""
    assert ticks_for_sends(PersistentScheduler, tmp_path / "schedule") > 4 * SENDS
