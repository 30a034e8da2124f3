"""Brings the customer quantum's replica of the support-contract catalog up to date with ticketing."""

from django.core.management.base import BaseCommand

from operations.replication import support_contracts_sync


class Command(BaseCommand):
    help = (
        "Copy the support contracts changed in ticketing since the last run into the customer "
        "quantum's replica; contracts deactivated or deleted in ticketing are retired there."
    )

    def handle(self, *args, verbosity: int, **options) -> None:
        summary = support_contracts_sync(show_progress=verbosity > 0)
        self.stdout.write(f"Support contracts: {summary}")
