"""Charges again the payments administrators were alerted about (declined, or no answer).

It charges in this process, which opens card numbers: run it where billing's keys are (billing's
worker host, with BILLING_CARD_KEYS_FILE or billing's key variables), as the Payment job's command.
An operator wants the outcome printed when it ends, which a queued task would not give; the admin's
action, run by the web process that holds no key, queues to billing's worker instead."""

from django.core.management.base import BaseCommand, CommandError

from billing_quantum.jobs import PeriodInvalid, payment_alerts_retry, period_parse


class Command(BaseCommand):
    help = (
        "Retries every payment with an open alert, optionally of one month only. Needs billing's "
        "card keys: run it on billing's worker host."
    )

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
