"""Migrates every database alias; the router lets each app's tables into its own database only."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Apply migrations to every database (identity and each quantum's own)."

    def handle(self, *args, **options) -> None:
        for alias in settings.DATABASES:
            self.stdout.write(f"Migrating {alias}")
            call_command("migrate", database=alias, interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"{len(settings.DATABASES)} databases up to date"))
