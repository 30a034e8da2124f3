"""Finishing an at-rest key rotation: `manage.py reencrypt_cards` moves every stored card number to
the current key, a batch per transaction, so a stopped run loses nothing and the next one finishes;
then the old key can be retired. It refuses with one line when billing does not hold the key."""

import base64
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from nacl.secret import SecretBox
from nacl.utils import random as random_bytes

from billing_quantum.models import Card, CardStatus
from billing_quantum.services import cards_reencrypt
from tests.billing_quantum.conftest import active_card_add
from tests.billing_quantum.traces import stored_number

pytestmark = pytest.mark.django_db(databases="__all__")

NUMBERS = ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117"]


@pytest.fixture
def cards_under_the_old_key(account_to_bill, settings):
    """Four active cards and a declined one (no number) under the old key, then a new current key
    added: what an operator has right after the rotation's first step."""
    account = account_to_bill(customer_id=7, card_number=None)
    cards = [active_card_add(account=account, number=number) for number in NUMBERS]
    declined = Card.objects.create(
        card_id="00000000-0000-0000-0000-000000000001",
        account=account,
        brand="Visa",
        last4="0002",
        expiry_month=1,
        expiry_year=2030,
        holder_name="Declined",
        number_ciphertext=b"",
        key_id="",
        status=CardStatus.REJECTED,
        registered_at=cards[0].registered_at,
    )
    old_id = settings.CARD_STORAGE_KEY_ID
    new_key = base64.b64encode(random_bytes(SecretBox.KEY_SIZE)).decode()
    settings.CARD_STORAGE_KEYS += f",store-next:{new_key}"
    settings.CARD_STORAGE_KEY_ID = "store-next"
    return old_id, [card.pk for card in cards], declined


def numbers_by_key() -> dict[str, list[str]]:
    stored: dict[str, list[str]] = {}
    for card in Card.objects.exclude(key_id="").order_by("pk"):
        stored.setdefault(card.key_id, []).append(
            stored_number(card.number_ciphertext, card.key_id)
        )
    return stored


def test_every_number_moves_to_the_current_key_and_the_old_key_can_go(
    settings, cards_under_the_old_key
):
    _, _, declined = cards_under_the_old_key
    out = StringIO()

    call_command("reencrypt_cards", "--batch-size", "3", stdout=out)

    assert numbers_by_key() == {"store-next": NUMBERS}
    assert out.getvalue().strip() == (
        "4 card number(s) re-encrypted under store-next; no stored card needs another at-rest "
        "key: the others can be retired"
    )
    declined.refresh_from_db()
    assert (declined.key_id, bytes(declined.number_ciphertext)) == ("", b"")
    settings.CARD_STORAGE_KEYS = settings.CARD_STORAGE_KEYS.split(",")[-1]  # old key retired
    assert numbers_by_key() == {"store-next": NUMBERS}


def test_a_run_stopped_after_a_batch_keeps_it_and_the_next_run_finishes(
    cards_under_the_old_key,
):
    old_id, _, _ = cards_under_the_old_key
    run = cards_reencrypt(key_id="store-next", batch_size=3)

    first = next(run)
    run.close()  # stopped between two batches, as Ctrl-C would

    assert first.reencrypted == 3
    assert numbers_by_key() == {old_id: NUMBERS[3:], "store-next": NUMBERS[:3]}
    out = StringIO()
    call_command("reencrypt_cards", stdout=out)
    assert out.getvalue().startswith("1 card number(s) re-encrypted under store-next;")
    assert numbers_by_key() == {"store-next": NUMBERS}


def test_a_number_under_a_key_billing_no_longer_holds_keeps_it_and_fails_the_run(
    settings, cards_under_the_old_key
):
    _, card_ids, _ = cards_under_the_old_key
    Card.objects.filter(pk=card_ids[1]).update(key_id="store-lost")
    out = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("reencrypt_cards", stdout=out)

    lost = Card.objects.get(pk=card_ids[1])
    assert str(failed.value) == (
        f"1 card number(s) could not be opened and keep their key (card ids {lost.card_id}): "
        "restore that key to CARD_STORAGE_KEYS and run again"
    )
    assert out.getvalue().strip() == (
        "3 card number(s) re-encrypted under store-next; keys still named by stored cards: "
        "store-lost"
    )
    assert lost.key_id == "store-lost"
    assert Card.objects.filter(key_id="store-next").count() == 3


def test_without_the_current_key_it_refuses_and_changes_nothing(settings, cards_under_the_old_key):
    old_id, _, _ = cards_under_the_old_key
    settings.CARD_STORAGE_KEY_ID = "store-missing"

    with pytest.raises(CommandError) as refused:
        call_command("reencrypt_cards")

    assert str(refused.value) == (
        "CARD_STORAGE_KEY_ID 'store-missing' is not in CARD_STORAGE_KEYS: nothing re-encrypted"
    )
    assert numbers_by_key() == {old_id: NUMBERS}


def test_a_process_without_billings_keys_refuses_with_one_line(tmp_path):
    refused = subprocess.run(
        [sys.executable, "manage.py", "reencrypt_cards"],
        capture_output=True,
        text=True,
        check=False,
        env={
            **{name: value for name, value in os.environ.items() if "CARD_" not in name},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SYSOPS_VAR_DIR": str(tmp_path),
        },
    )

    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        "CommandError: CARD_STORAGE_KEYS is not set: billing holds no card keys: nothing "
        "re-encrypted"
    ]
