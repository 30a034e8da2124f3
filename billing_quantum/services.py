"""Billing's write use cases: the cards customers register and the support plans they choose.

Billing is the only place a card number exists in plaintext, and only while a registration is being
handled: it is kept encrypted under billing's at-rest key, and the CVC is used to verify the card,
then dropped (PCI DSS 4.0 §3.3.1: never stored after authorization, even encrypted).
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from billing_quantum.apps import DATABASE
from billing_quantum.card_keys import CardUnreadable, card_data_open, card_number_encrypt
from billing_quantum.models import BillingAccount, Card, CardStatus
from message_contracts.cards import (
    CardBrand,
    CardRegistered,
    CardRejected,
    CardVerified,
    card_brand_of,
    passes_luhn,
)
from message_contracts.support_plans import SupportPlanChosen
from messaging.endpoint import endpoint_for

UNREADABLE_REASON = "card data could not be read; please add the card again"
HOLDER_NAME_MAX_LENGTH = 100
EXPIRY_YEARS_AHEAD = 20

# Test numbers the verification always declines, so the decline path can be tried by hand and in
# tests (the README lists them). Any other valid, unexpired card with a well-formed CVC is verified.
TEST_DECLINES = {
    "4000000000000002": "the card was declined by its issuer",
    "4000000000000069": "the issuer reports this card as expired",
    "4000000000000127": "the security code (CVC) is incorrect",
}


@dataclass(frozen=True)
class _CardData:
    number: str = field(repr=False)
    cvc: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    holder_name: str


@sensitive_variables("card")
def card_register(*, registered: CardRegistered) -> Card:
    """Opens the sealed card data, verifies the card and keeps it, and tells the customer quantum
    the outcome in the same transaction. Raises CardUnreadable if the data cannot be opened."""
    card = _card_data(card_data_open(key_id=registered.key_id, sealed_card=registered.sealed_card))
    brand = card_brand_of(card.number)
    decline = _decline_reason(card, brand=brand, today=timezone.localdate())
    stored = Card(
        card_id=registered.card_id,
        brand=brand.name if brand else "",
        last4=card.number[-4:],
        expiry_month=card.expiry_month,
        expiry_year=card.expiry_year,
        holder_name=card.holder_name,
        registered_at=registered.registered_at,
    )
    if decline is None:
        stored.status = CardStatus.ACTIVE
        stored.key_id, stored.number_ciphertext = card_number_encrypt(card.number)
        outcome = CardVerified(card_id=registered.card_id, verified_at=timezone.now())
    else:
        # A declined card is never charged, so its number is not kept at all.
        stored.status, stored.rejection_reason = CardStatus.REJECTED, decline
        stored.key_id, stored.number_ciphertext = "", b""
        outcome = CardRejected(
            card_id=registered.card_id, reason=decline, rejected_at=timezone.now()
        )
    with transaction.atomic(using=DATABASE):
        stored.account, _ = BillingAccount.objects.get_or_create(customer_id=registered.customer_id)
        stored.save()
        # Looked up, not imported: the endpoint module imports the handlers, hence these services.
        endpoint_for(DATABASE).publish(outcome)
    return stored


def card_registration_give_up(*, card_id: uuid.UUID) -> None:
    """Billing gave up on a registration (its data unreadable, or failing every retry): the
    customer is told to add the card again; the technical reason stays in the dead letter."""
    endpoint_for(DATABASE).publish(
        CardRejected(card_id=card_id, reason=UNREADABLE_REASON, rejected_at=timezone.now())
    )


def billing_account_plan_record(*, chosen: SupportPlanChosen) -> BillingAccount:
    """Records the plan billing will charge. Plans can arrive out of order: one chosen before the
    plan the account already has changes nothing."""
    with transaction.atomic(using=DATABASE):
        account, _ = BillingAccount.objects.select_for_update().get_or_create(
            customer_id=chosen.customer_id
        )
        if account.plan_chosen_at is not None and account.plan_chosen_at >= chosen.chosen_at:
            return account
        account.customer_name = chosen.customer_name
        account.customer_email = chosen.customer_email
        account.contract_code = chosen.contract_code
        account.monthly_price = chosen.monthly_price
        account.currency = chosen.currency
        account.plan_chosen_at = chosen.chosen_at
        account.save()
    return account


@sensitive_variables("opened", "fields")
def _card_data(opened: bytes) -> _CardData:
    """Checks the opened data's shape. Errors name fields, never values: a value may be a number."""
    try:
        fields = json.loads(opened)
    except ValueError:
        raise CardUnreadable("the opened card data is not JSON") from None
    if not isinstance(fields, dict):
        raise CardUnreadable("the opened card data is not a JSON object")
    checks = {
        "number": lambda value: isinstance(value, str) and re.fullmatch(r"[0-9]{12,19}", value),
        "cvc": lambda value: isinstance(value, str) and re.fullmatch(r"[0-9]{3,4}", value),
        "expiry_month": lambda value: type(value) is int and 1 <= value <= 12,
        "expiry_year": lambda value: type(value) is int and 1000 <= value <= 9999,
        "holder_name": lambda value: (
            isinstance(value, str) and 0 < len(value) <= HOLDER_NAME_MAX_LENGTH
        ),
    }
    problems = []
    if invalid := [name for name, valid in checks.items() if not valid(fields.get(name))]:
        problems.append(f"missing or invalid fields: {', '.join(invalid)}")
    if unexpected := len(set(fields) - set(checks)):
        # Not named: a field's name is as untrusted as its value.
        problems.append(f"{unexpected} unexpected fields")
    if problems:
        raise CardUnreadable(f"the opened card data has {'; '.join(problems)}")
    return _CardData(**fields)


@sensitive_variables("card")
def _decline_reason(card: _CardData, *, brand: CardBrand | None, today: date) -> str | None:
    """Billing's verification of a card, standing in for the payment processor's."""
    if brand is None or len(card.number) not in brand.lengths or not passes_luhn(card.number):
        return "the card number is not valid"
    if (card.expiry_year, card.expiry_month) < (today.year, today.month):
        return "the card has expired"
    if card.expiry_year > today.year + EXPIRY_YEARS_AHEAD:
        return "the expiry date is not valid"
    if len(card.cvc) != brand.cvc_length:
        return "the security code (CVC) is not valid for this card"
    return TEST_DECLINES.get(card.number)
