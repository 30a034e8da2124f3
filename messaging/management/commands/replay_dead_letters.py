"""Applies dead letters again once the cause of their failure is fixed.

It runs the handlers in this process: run it where the quantum's worker runs, with what that worker
is given (billing's card keys to replay a card registration). An operator wants each outcome
printed and a non-zero exit when one still fails; the admin's replay, from the web process, is
queued to the quantum's worker instead."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from messaging.endpoint import endpoints
from messaging.models import DeadLetter


class Command(BaseCommand):
    help = "Replay dead letters: one message by id, or all of them (optionally of one quantum)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--message", type=uuid.UUID, help="the id of the message to replay")
        which.add_argument("--all", action="store_true", help="replay every dead letter")
        parser.add_argument("--quantum", help="only this quantum's dead letters")

    def handle(self, *args, message: uuid.UUID | None, all: bool, quantum: str | None, **options):
        known = {endpoint.quantum: endpoint for endpoint in endpoints()}
        if quantum is not None and quantum not in known:
            raise CommandError(f"unknown quantum {quantum!r}; choose from {', '.join(known)}")
        chosen = [known[quantum]] if quantum else list(known.values())

        replayed, failed = 0, 0
        for endpoint in chosen:
            letters = DeadLetter.objects.using(endpoint.quantum).order_by("dead_since")
            if message is not None:
                letters = letters.filter(message_id=message)
            for letter in letters:
                failure = endpoint.receiver.replay(letter)
                if failure:
                    failed += 1
                    self.stderr.write(f"{endpoint.quantum}: {letter} still fails: {failure}")
                else:
                    replayed += 1
                    self.stdout.write(f"{endpoint.quantum}: {letter} replayed")

        if message is not None and replayed + failed == 0:
            raise CommandError(f"no dead letter with message id {message}")
        self.stdout.write(f"{replayed} replayed, {failed} still failing")
        if failed:
            raise CommandError(f"{failed} dead letter(s) still fail; see the errors above")
