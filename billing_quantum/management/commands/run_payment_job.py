"""Runs the monthly Payment job for one month, with a progress bar and a closing summary."""

from django.core.management.base import BaseCommand, CommandError

from billing_quantum.jobs import PeriodInvalid, payment_job_run, period_parse


class Command(BaseCommand):
    help = (
        "Charges every account with a plan and an active card for a month, once (safe to re-run)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True, help="The month to bill, YYYY-MM.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be charged; write nothing."
        )

    def handle(self, *args, period: str, dry_run: bool, **options) -> None:
        try:
            summary = payment_job_run(
                period=period_parse(period), dry_run=dry_run, show_progress=True
            )
        except PeriodInvalid as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(summary))
