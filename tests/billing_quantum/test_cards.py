"""Billing opens the sealed card data, verifies the card, keeps the number only encrypted under its
own at-rest key and the CVC not at all, and tells the customer quantum the outcome; what it cannot
open goes to dead letters and the customer is told to add the card again."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from nacl.public import PrivateKey
from nacl.secret import SecretBox
from nacl.utils import random as random_bytes

from billing_quantum.endpoint import endpoint
from billing_quantum.models import BillingAccount, Card
from billing_quantum.services import UNREADABLE_REASON
from messaging.models import DeadLetter, InboxMessage, OutboxMessage
from messaging.receiver import Outcome, RetryLater
from tests.billing_quantum.traces import appears, database_dump, seal, stored_number

pytestmark = pytest.mark.django_db(databases="__all__")


def told_customer(type_: str) -> list[dict]:
    return [
        row.payload
        for row in OutboxMessage.objects.using("billing")
        .filter(type=type_, receiver="customer")
        .order_by("created_at")
    ]


def test_a_valid_card_is_kept_with_its_number_encrypted_and_is_verified(
    settings, card, card_registered, from_customer
):
    registered = card_registered()

    assert endpoint.receive(from_customer(registered)) == Outcome.APPLIED

    stored = Card.objects.get()
    assert (stored.card_id, stored.status, stored.brand, stored.last4) == (
        registered.card_id,
        "active",
        "Visa",
        "4242",
    )
    assert (stored.expiry_month, stored.expiry_year, stored.holder_name) == (
        card["expiry_month"],
        card["expiry_year"],
        "Alice Martin",
    )
    assert stored.key_id == settings.CARD_STORAGE_KEY_ID
    assert card["number"] not in bytes(stored.number_ciphertext).decode("latin-1")
    assert stored_number(stored.number_ciphertext, stored.key_id) == card["number"]
    assert stored.account == BillingAccount.objects.get(customer_id=7)
    [verified] = told_customer("CardVerified")
    assert verified["card_id"] == str(registered.card_id)
    assert told_customer("CardRejected") == []


def test_the_cvc_is_never_stored_and_the_number_only_encrypted(
    card, card_registered, from_customer
):
    endpoint.receive(from_customer(card_registered()))

    billing = database_dump("billing")
    assert "Alice Martin" in billing  # the dump does show what billing keeps
    assert not appears(card["number"], billing)
    assert not appears(card["cvc"], billing)


def test_a_card_joins_the_account_its_customer_already_has(card_registered, from_customer):
    account = BillingAccount.objects.create(customer_id=7, customer_name="Alice Martin")

    endpoint.receive(from_customer(card_registered()))

    assert Card.objects.get().account == account
    assert BillingAccount.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"number": "4000000000000002"}, "the card was declined by its issuer"),
        ({"number": "4000000000000069"}, "the issuer reports this card as expired"),
        ({"number": "4000000000000127"}, "the security code (CVC) is incorrect"),
        ({"number": "4242424242424241"}, "the card number is not valid"),
        ({"number": "3530111333300000"}, "the card number is not valid"),
        ({"number": "42424242424242"}, "the card number is not valid"),
        ({"expiry_year": 2020}, "the card has expired"),
        ({"expiry_year": 2999}, "the expiry date is not valid"),
        ({"number": "378282246310005", "cvc": "123"}, "the security code (CVC) is not valid"),
        ({"cvc": "1234"}, "the security code (CVC) is not valid"),
    ],
)
def test_a_card_the_verification_declines_is_rejected_and_its_number_not_kept(
    card_registered, from_customer, changes, reason
):
    registered = card_registered(**changes)

    assert endpoint.receive(from_customer(registered)) == Outcome.APPLIED

    stored = Card.objects.get()
    assert stored.status == "rejected"
    assert stored.rejection_reason.startswith(reason)
    assert (bytes(stored.number_ciphertext), stored.key_id) == (b"", "")
    [rejected] = told_customer("CardRejected")
    assert rejected["card_id"] == str(registered.card_id)
    assert rejected["reason"].startswith(reason)
    assert told_customer("CardVerified") == []


def test_an_expired_card_is_declined_even_if_it_expired_on_the_way(card_registered, from_customer):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)

    endpoint.receive(
        from_customer(card_registered(expiry_month=last_month.month, expiry_year=last_month.year))
    )

    assert Card.objects.get().rejection_reason == "the card has expired"


def flip_a_byte(sealed_card: str) -> str:
    sealed = bytearray(base64.b64decode(sealed_card))
    sealed[len(sealed) // 2] ^= 0x01
    return base64.b64encode(sealed).decode()


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (
            lambda registered: {"sealed_card": flip_a_byte(registered.sealed_card)},
            "the sealed card data does not open with key",
        ),
        (
            lambda registered: {"key_id": "seal-retired"},
            "no card sealing private key has the id 'seal-retired'",
        ),
        (
            lambda registered: {"sealed_card": "not base64!"},
            "the sealed card data is not base64",
        ),
        (
            lambda registered: {
                "sealed_card": seal({"number": "1"}, public_key=PrivateKey.generate().public_key)
            },
            "the sealed card data does not open with key",
        ),
    ],
    ids=["altered", "unknown key id", "not base64", "another key pair"],
)
def test_card_data_billing_cannot_open_is_dead_lettered_and_the_card_rejected(
    card, card_registered, from_customer, tamper, reason
):
    registered = card_registered()
    envelope = from_customer(registered.model_copy(update=tamper(registered)))

    assert endpoint.receive(envelope) == Outcome.DEAD_LETTERED

    letter = DeadLetter.objects.using("billing").get()
    assert letter.type == "CardRegistered"
    assert letter.deliveries == 1  # no retry can open it
    assert letter.error.startswith(reason)
    assert not appears(card["number"], letter.error)
    assert not Card.objects.exists()
    [rejected] = told_customer("CardRejected")
    assert rejected["card_id"] == str(registered.card_id)
    assert rejected["reason"] == UNREADABLE_REASON


@pytest.mark.parametrize(
    ("plaintext", "reason"),
    [
        (b"card 4242424242424242 cvc 319", "the opened card data is not JSON"),
        (b'["4242424242424242", "319"]', "the opened card data is not a JSON object"),
        (
            b'{"number": 4242424242424242, "cvc": "319", "expiry_month": 12, '
            b'"expiry_year": 2031, "holder_name": "A"}',
            "the opened card data has missing or invalid fields: number",
        ),
        (
            b'{"number": "4242424242424242", "expiry_month": 13, "expiry_year": 2031, '
            b'"holder_name": "A", "4242424242424242": "319"}',
            "the opened card data has missing or invalid fields: cvc, expiry_month; "
            "1 unexpected fields",
        ),
    ],
    ids=["not JSON", "not an object", "number not text", "missing, invalid and unexpected"],
)
def test_opened_data_that_is_not_card_data_is_dead_lettered_naming_fields_not_values(
    card_registered, from_customer, plaintext, reason
):
    envelope = from_customer(card_registered(sealed_card=seal(plaintext)))

    assert endpoint.receive(envelope) == Outcome.DEAD_LETTERED

    error = DeadLetter.objects.using("billing").get().error
    assert error == reason
    assert "4242" not in error
    assert told_customer("CardRejected")[0]["reason"] == UNREADABLE_REASON


def test_a_rotated_sealing_key_still_opens_what_it_sealed(settings, card_registered, from_customer):
    retired = PrivateKey.generate()
    settings.CARD_SEALING_PRIVATE_KEYS += (
        f"\nseal-retired:{base64.b64encode(bytes(retired)).decode()}\n"
    )
    sealed_with_retired = seal(
        {
            "number": "5555555555554444",
            "expiry_month": 1,
            "expiry_year": timezone.now().year + 2,
            "cvc": "123",
            "holder_name": "Bob Chen",
        },
        public_key=retired.public_key,
    )

    endpoint.receive(
        from_customer(card_registered(key_id="seal-retired", sealed_card=sealed_with_retired))
    )

    stored = Card.objects.get()
    assert (stored.status, stored.brand, stored.last4) == ("active", "Mastercard", "4444")


def test_a_new_storage_key_encrypts_new_cards_and_the_old_one_still_opens_old_ones(
    settings, card, card_registered, from_customer
):
    endpoint.receive(from_customer(card_registered()))
    old = Card.objects.get()
    new_key = base64.b64encode(random_bytes(SecretBox.KEY_SIZE)).decode()
    settings.CARD_STORAGE_KEYS += f",store-next:{new_key}"
    settings.CARD_STORAGE_KEY_ID = "store-next"

    endpoint.receive(from_customer(card_registered(number="6011111111111117")))

    new = Card.objects.exclude(pk=old.pk).get()
    assert new.key_id == "store-next"
    assert stored_number(new.number_ciphertext, "store-next") == "6011111111111117"
    assert stored_number(old.number_ciphertext, old.key_id) == card["number"]


def test_billing_without_its_keys_retries_rather_than_giving_up(
    settings, card_registered, from_customer
):
    settings.CARD_SEALING_PRIVATE_KEYS = ""
    envelope = from_customer(card_registered())

    with pytest.raises(RetryLater):
        endpoint.receive(envelope)

    assert InboxMessage.objects.using(endpoint.quantum).get().last_error == (
        "ImproperlyConfigured: CARD_SEALING_PRIVATE_KEYS is not set: billing holds no card keys"
    )
    assert not DeadLetter.objects.using("billing").exists()
    assert told_customer("CardRejected") == []


def test_a_registration_that_fails_every_delivery_is_buried_and_the_card_rejected(
    settings, card_registered, from_customer
):
    settings.MESSAGING_MAX_DELIVERIES = 2
    settings.CARD_STORAGE_KEY_ID = "store-missing"
    registered = card_registered()
    envelope = from_customer(registered)

    with pytest.raises(RetryLater):
        endpoint.receive(envelope)
    assert endpoint.receive(envelope) == Outcome.DEAD_LETTERED

    assert "CARD_STORAGE_KEY_ID 'store-missing' is not in CARD_STORAGE_KEYS" in (
        DeadLetter.objects.using("billing").get().error
    )
    assert not Card.objects.exists()
    [rejected] = told_customer("CardRejected")
    assert (rejected["card_id"], rejected["reason"]) == (str(registered.card_id), UNREADABLE_REASON)
