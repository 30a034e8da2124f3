"""Card registration between the customer quantum and billing.

The card data travels only sealed with billing's public key (the customer quantum cannot open it);
the key id names which of billing's keys opens it, so keys can be rotated.
"""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from messaging.contract import Message


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
