"""Finishes an at-rest key rotation: re-encrypts every stored card number under the current key,
so the older keys can be retired. Run it where billing's keys are (billing's worker host)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from billing_quantum.card_keys import storage_key_current
from billing_quantum.selectors import cards_under_other_keys
from billing_quantum.services import REENCRYPT_BATCH_SIZE, cards_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypts stored card numbers under the current at-rest key (CARD_STORAGE_KEY_ID), a "
        "batch per transaction: safe to stop and run again. Needs billing's card keys."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=REENCRYPT_BATCH_SIZE,
            help=f"card numbers per transaction (default {REENCRYPT_BATCH_SIZE})",
        )

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}")
        try:
            key_id = storage_key_current()
        except ImproperlyConfigured as error:
            raise CommandError(f"{error}: nothing re-encrypted") from None
        reencrypted, unreadable = 0, []
        with tqdm(
            total=cards_under_other_keys(key_id=key_id).count(),
            unit="card",
            desc=f"Re-encrypting under {key_id}",
        ) as progress:
            for batch in cards_reencrypt(key_id=key_id, batch_size=batch_size):
                reencrypted += batch.reencrypted
                unreadable += batch.unreadable
                progress.update(batch.reencrypted + len(batch.unreadable))
        still_named = sorted(
            set(cards_under_other_keys(key_id=key_id).values_list("key_id", flat=True))
        )
        self.stdout.write(
            f"{reencrypted} card number(s) re-encrypted under {key_id}; "
            + (
                f"keys still named by stored cards: {', '.join(still_named)}"
                if still_named
                else "no stored card needs another at-rest key: the others can be retired"
            )
        )
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} card number(s) could not be opened and keep their key "
                f"(card ids {', '.join(map(str, unreadable))}): restore that key to "
                "CARD_STORAGE_KEYS and run again"
            )
