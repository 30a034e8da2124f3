"""Creates the card keys of a new installation and prints the environment lines that use them, or
the embedded default's keys before its processes start."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing_quantum.card_keys import (
    BILLING_ENV_FILE,
    CardKeysExist,
    card_keys_embedded,
    card_keys_generate,
)


class Command(BaseCommand):
    help = (
        "Write a new card sealing key pair and card storage key into FOLDER (which must not hold "
        "files yet) and print the environment lines that use them; or, with --embedded, create "
        "the embedded default's keys unless they exist."
    )

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("folder", type=Path, nargs="?", help="where to write the key files")
        which.add_argument(
            "--embedded",
            action="store_true",
            help="the embedded default's keys, in the var folder (safe to run again, or at once)",
        )

    def handle(self, *args, folder: Path | None, embedded: bool, **options) -> None:
        if embedded:
            created = card_keys_embedded(settings.CARD_KEYS_FOLDER)
            self.stdout.write(
                f"card keys {'created' if created else 'already'} in {settings.CARD_KEYS_FOLDER}; "
                f"only billing's worker and the demo's history step are given "
                f"{settings.CARD_KEYS_FOLDER / BILLING_ENV_FILE}"
            )
            return
        try:
            env_lines = card_keys_generate(folder)
        except CardKeysExist as error:
            raise CommandError(str(error)) from None
        self.stdout.write(env_lines, ending="")
