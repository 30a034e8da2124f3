"""A health probe for a quantum's worker: its database, the broker, and a worker on its queue."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.health import worker_readiness


class Command(BaseCommand):
    help = "Exit 0 when the quantum's database and the broker answer and a worker listens on its queue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("quantum", help=f"one of: {', '.join(settings.QUANTA)}")

    def handle(self, *args, quantum: str, **options) -> None:
        if quantum not in settings.QUANTA:
            raise CommandError(
                f"unknown quantum {quantum!r}; choose from {', '.join(settings.QUANTA)}"
            )
        problems = [
            f"{check.component}: {check.problem}"
            for check in worker_readiness(quantum)
            if not check.ok
        ]
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(f"{quantum}: database, broker and workers answer")
