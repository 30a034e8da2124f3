"""Every hop of the messages behind a ticket, card, invoice, correlation or message id, as text."""

from django.core.management.base import BaseCommand, CommandError

from operations.trace import (
    NothingToTrace,
    message_trace,
    subject_parsed,
    trace_heading,
    trace_rows,
)

LINE = "{:<12} {:>12}  {:<26} {:<24} {}"


class Command(BaseCommand):
    help = (
        "Prints, in time order, every hop of the messages behind a ticket, card or invoice id, a "
        "correlation id or a message id, across every quantum: stored in the sender's outbox, "
        "handed to the broker, received, retried, applied, dead-lettered, replayed, confirmed. "
        "Exits non-zero when the id is malformed or no message names it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("id", help="a ticket, card, invoice, correlation or message id (UUID)")

    def handle(self, *args, **options) -> None:
        try:
            trace = message_trace(subject=subject_parsed(options["id"]))
        except NothingToTrace as nothing:
            raise CommandError(str(nothing)) from None
        self.stdout.write(trace_heading(trace))
        for quantum, problem in trace.unreadable.items():
            self.stdout.write(
                f"{quantum}: its database cannot be read, its hops are missing: {problem}"
            )
        self.stdout.write(LINE.format("time", "since first", "where", "message", "hop"))
        for row in trace_rows(trace):
            hop = row.hop
            detail = f": {hop.detail}" if hop.detail else ""
            self.stdout.write(
                LINE.format(
                    row.clock or "not timed",
                    row.since,
                    row.arrow,
                    hop.message_type,
                    f"{hop.kind}{detail}",
                )
            )
