"""Cards: the customer registers one and billing verifies it.

The customer quantum keeps only a summary (brand, last four, expiry, status). The card data leaves
sealed with billing's public key: nothing in this quantum can open it again, so the number and CVC
are in plaintext nowhere but where billing decrypts them (not this database, a log or a message).
"""

import json
import re
import uuid
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from nacl.encoding import Base64Encoder
from nacl.public import PublicKey, SealedBox

from customer_quantum.apps import DATABASE
from customer_quantum.models import CardStatus, CardSummary, Customer
from message_contracts.cards import CardBrand, CardRegistered, card_brand_of, passes_luhn
from messaging.endpoint import endpoint_for

HOLDER_NAME_MAX_LENGTH = 100
EXPIRY_YEARS_AHEAD = 20


@sensitive_variables("number", "cvc", "digits", "card_data")
def card_register(
    *,
    customer: Customer,
    number: str,
    expiry_month: int,
    expiry_year: int,
    cvc: str,
    holder_name: str,
) -> CardSummary:
    """Keeps the card's summary as `pending` and sends billing the sealed card data, in one
    transaction. Bad input raises ValidationError naming each field, and nothing is stored."""
    digits = re.sub(r"[\s-]", "", number)
    cvc = cvc.strip()
    holder_name = holder_name.strip()
    brand = card_brand_of(digits) if re.fullmatch(r"[0-9]+", digits) else None
    problems = {
        "number": _number_problem(digits, brand),
        **_expiry_problems(expiry_month, expiry_year, today=timezone.localdate()),
        "cvc": _cvc_problem(cvc, brand),
        "holder_name": _holder_name_problem(holder_name),
    }
    if any(problems.values()):
        raise ValidationError({field: [problem] for field, problem in problems.items() if problem})

    summary = CardSummary(
        customer=customer,
        brand=brand.name,
        last4=digits[-4:],
        expiry_month=expiry_month,
        expiry_year=expiry_year,
    )
    card_data = {
        "number": digits,
        "expiry_month": expiry_month,
        "expiry_year": expiry_year,
        "cvc": cvc,
        "holder_name": holder_name,
    }
    key_id, sealed_card = _seal_for_billing(json.dumps(card_data).encode())
    with transaction.atomic(using=DATABASE):
        summary.save()
        # Looked up, not imported: the endpoint module imports the handlers, hence these services.
        endpoint_for(DATABASE).publish(
            CardRegistered(
                card_id=summary.id,
                customer_id=customer.id,
                key_id=key_id,
                sealed_card=sealed_card,
                registered_at=summary.registered_at,
            )
        )
    return summary


def card_activate(*, card_id: uuid.UUID, verified_at: datetime) -> None:
    """Billing verified the card. Only a pending card moves, so a late or repeated answer never
    overturns the first one."""
    CardSummary.objects.filter(pk=card_id, status=CardStatus.PENDING).update(
        status=CardStatus.ACTIVE, status_changed_at=verified_at
    )


def card_reject(*, card_id: uuid.UUID, reason: str, rejected_at: datetime) -> None:
    """Billing rejected the card; like `card_activate`, this moves only a pending card."""
    CardSummary.objects.filter(pk=card_id, status=CardStatus.PENDING).update(
        status=CardStatus.REJECTED, rejection_reason=reason, status_changed_at=rejected_at
    )


# The messages below never repeat what was typed: a card number must not reach a page or a log.


@sensitive_variables("digits")
def _number_problem(digits: str, brand: CardBrand | None) -> str | None:
    if not digits:
        return "Enter the card number."
    if not re.fullmatch(r"[0-9]+", digits):
        return "A card number has only digits (spaces and dashes are fine)."
    if not 12 <= len(digits) <= 19:
        return "A card number has 12 to 19 digits."
    if brand is None:
        return "We accept Visa, Mastercard, American Express and Discover cards."
    if len(digits) not in brand.lengths:
        return f"{brand.name} card numbers have {_either(brand.lengths)} digits."
    if not passes_luhn(digits):
        return "This card number is not valid: please check it for typos."
    return None


def _expiry_problems(month: int, year: int, *, today: date) -> dict[str, str | None]:
    problems: dict[str, str | None] = {"expiry_month": None, "expiry_year": None}
    if not 1 <= month <= 12:
        problems["expiry_month"] = "Enter a month from 1 to 12."
    if not 1000 <= year <= 9999:
        problems["expiry_year"] = "Enter the year with four digits."
    elif year > today.year + EXPIRY_YEARS_AHEAD:
        problems["expiry_year"] = "This year is too far in the future."
    elif year < today.year:
        problems["expiry_year"] = "This card has expired."
    elif year == today.year and 1 <= month < today.month:
        problems["expiry_month"] = "This card has expired."
    return problems


@sensitive_variables("cvc")
def _cvc_problem(cvc: str, brand: CardBrand | None) -> str | None:
    if not cvc:
        return "Enter the security code (CVC)."
    if not re.fullmatch(r"[0-9]+", cvc):
        return "The security code has only digits."
    if brand is None:
        return None if len(cvc) in (3, 4) else "The security code has 3 or 4 digits."
    if len(cvc) != brand.cvc_length:
        return f"{brand.name} security codes have {brand.cvc_length} digits."
    return None


def _holder_name_problem(holder_name: str) -> str | None:
    if not holder_name:
        return "Enter the name on the card."
    if len(holder_name) > HOLDER_NAME_MAX_LENGTH:
        return f"The name on the card has at most {HOLDER_NAME_MAX_LENGTH} characters."
    if re.search(r"[0-9]", holder_name):
        # Digits here are most likely a card number typed into the wrong box.
        return "The name on the card has no digits."
    return None


def _either(lengths: tuple[int, ...]) -> str:
    *others, last = lengths
    return f"{', '.join(map(str, others))} or {last}" if others else str(last)


@sensitive_variables("card_data")
def _seal_for_billing(card_data: bytes) -> tuple[str, str]:
    """Seals with billing's public key; returns the key's id with the base64 sealed data."""
    key_id = settings.CARD_SEALING_KEY_ID
    if not key_id:
        raise ImproperlyConfigured("CARD_SEALING_KEY_ID is not set: cards cannot be registered")
    try:
        public_key = PublicKey(settings.CARD_SEALING_PUBLIC_KEY.encode(), encoder=Base64Encoder)
    except ValueError:
        raise ImproperlyConfigured(
            "CARD_SEALING_PUBLIC_KEY is not a base64 public key: cards cannot be registered"
        ) from None
    return key_id, SealedBox(public_key).encrypt(card_data, encoder=Base64Encoder).decode()
