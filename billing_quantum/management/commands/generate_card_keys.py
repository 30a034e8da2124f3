"""Creates the card keys of a new installation and prints the environment lines that use them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing_quantum.card_keys import CardKeysExist, card_keys_generate


class Command(BaseCommand):
    help = (
        "Write a new card sealing key pair and card storage key into FOLDER (which must not hold "
        "files yet) and print the environment lines that use them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="where to write the key files")

    def handle(self, *args, folder: Path, **options) -> None:
        try:
            env_lines = card_keys_generate(folder)
        except CardKeysExist as error:
            raise CommandError(str(error)) from None
        self.stdout.write(env_lines, ending="")
