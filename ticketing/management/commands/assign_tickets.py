"""Runs the assignment job once, as the scheduler does every ASSIGNMENT_INTERVAL_SECONDS."""

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from ticketing.jobs import tickets_assign, tickets_queued_count

# Below this a progress bar is noise; above it an operator wants to see the run move.
PROGRESS_BAR_FROM = 1000


class Command(BaseCommand):
    help = "Assign queued tickets to experts, most urgent then oldest first, and print a summary."

    def handle(self, *args, **options) -> None:
        queued = tickets_queued_count()
        if queued < PROGRESS_BAR_FROM:
            run = tickets_assign()
        else:
            with tqdm(total=queued, unit="ticket", file=sys.stderr) as bar:
                run = tickets_assign(on_progress=bar.update)
        self.stdout.write(f"Assignment: {run}")
