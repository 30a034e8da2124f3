"""Card registration between the customer quantum and billing.

The card data travels only sealed with billing's public key (the customer quantum cannot open it);
the key id names which of billing's keys opens it, so keys can be rotated.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from messaging.contract import Message


@dataclass(frozen=True)
class CardBrand:
    """A card brand as both sides recognise it: the customer quantum to answer bad input at once,
    billing to verify what it opened."""

    name: str
    prefixes: tuple[tuple[int, int], ...]
    lengths: tuple[int, ...]
    cvc_length: int


# Issuer identification ranges: leading digits, compared at the width of the range's bounds.
CARD_BRANDS = (
    CardBrand("Visa", ((4, 4),), (13, 16, 19), 3),
    CardBrand("Mastercard", ((51, 55), (2221, 2720)), (16,), 3),
    CardBrand("American Express", ((34, 34), (37, 37)), (15,), 4),
    CardBrand(
        "Discover", ((6011, 6011), (644, 649), (65, 65), (622126, 622925)), (16, 17, 18, 19), 3
    ),
)


def card_brand_of(digits: str) -> CardBrand | None:
    """The brand whose range the number starts in; `digits` must be digits only."""
    for brand in CARD_BRANDS:
        for low, high in brand.prefixes:
            if low <= int(digits[: len(str(low))]) <= high:
                return brand
    return None


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = int(digit) * (2 if position % 2 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


class CardRegistered(Message):
    TYPE: ClassVar[str] = "CardRegistered"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "billing"

    card_id: UUID
    customer_id: int
    key_id: str = Field(min_length=1, max_length=64)
    sealed_card: str = Field(min_length=1, max_length=4096)
    registered_at: datetime


class CardVerified(Message):
    TYPE: ClassVar[str] = "CardVerified"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "customer"

    card_id: UUID
    verified_at: datetime


class CardRejected(Message):
    TYPE: ClassVar[str] = "CardRejected"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "customer"

    card_id: UUID
    reason: str = Field(max_length=500)
    rejected_at: datetime
