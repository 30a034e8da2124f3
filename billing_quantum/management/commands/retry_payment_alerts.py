"""Charges again the payments administrators were alerted about (declined, or no answer)."""

from django.core.management.base import BaseCommand, CommandError

from billing_quantum.jobs import PeriodInvalid, payment_alerts_retry, period_parse


class Command(BaseCommand):
    help = "Retries every payment with an open alert, optionally of one month only."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", help="Only the payments of this month, YYYY-MM.")

    def handle(self, *args, period: str | None, **options) -> None:
        try:
            period = period and period_parse(period)
        except PeriodInvalid as error:
            raise CommandError(str(error)) from None
        outcomes = payment_alerts_retry(period=period)
        self.stdout.write(
            ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
            or "no open payment alert"
        )
