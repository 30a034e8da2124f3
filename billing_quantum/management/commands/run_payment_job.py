"""Plans the monthly Payment job for one month on billing's workers and says so; with --wait,
follows the run to its end with a progress bar and a closing summary."""

from django.core.management.base import BaseCommand, CommandError

from billing_quantum.jobs import (
    PeriodInvalid,
    payment_job_dry_run,
    payment_run_follow,
    payment_run_plan,
    period_parse,
)


class Command(BaseCommand):
    help = (
        "Bills every account with a plan and an active card for a month, once (safe to re-run): "
        "splits the month into chunks that billing's workers charge."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True, help="The month to bill, YYYY-MM.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be charged; write nothing."
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Follow the run until billing's workers have finished it, then print a summary.",
        )

    def handle(self, *args, period: str, dry_run: bool, wait: bool, **options) -> None:
        try:
            period = period_parse(period)
            if dry_run:
                self.stdout.write(str(payment_job_dry_run(period=period)))
                return
            planned = payment_run_plan(period=period)
        except PeriodInvalid as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(planned))
        if planned.refusal:
            raise CommandError(
                f"the broker refused the other chunks ({planned.refusal}): "
                "run the command again to hand them over"
            )
        if wait:
            outcome = payment_run_follow(run=planned.run, show_progress=True)
            seconds = (outcome.finished_at - planned.run.planned_at).total_seconds()
            self.stdout.write(f"{outcome}, in {seconds:.1f}s")
            if outcome.chunks_given_up:
                raise CommandError(
                    f"{outcome.chunks_given_up} chunk(s) given up: see the run in billing's admin"
                )
