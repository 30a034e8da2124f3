"""The scheduler the beat process runs: Celery's own, woken when an entry is due."""

from celery.beat import PersistentScheduler


class Scheduler(PersistentScheduler):
    """Celery's scheduler sets its wake-up 10 ms before an entry is due; woken early, it finds the
    entry not due yet and, with less than those 10 ms left, asks to sleep for no time at all, so it
    loops without sleeping until the entry is due. With every quantum's sweep due every 2 s, that
    loop was most of beat's CPU (15 ms a second of the idle system's 52, `python -m
    bench.portal.idle`; issue 18), and it ran at the instants the sweeps it sends land. Woken when
    the entry is due, it sleeps."""

    def adjust(self, n, drift=0.0):
        return n
