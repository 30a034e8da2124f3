"""A customer's choice of support plan, which billing must know to charge the agreed price."""

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import EmailStr, Field

from message_contracts.support_contracts import CODE_MAX_LENGTH
from messaging.contract import Message


class SupportPlanChosen(Message):
    TYPE: ClassVar[str] = "SupportPlanChosen"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "billing"

    customer_id: int
    customer_name: str = Field(max_length=200)
    customer_email: EmailStr
    contract_code: str = Field(min_length=1, max_length=CODE_MAX_LENGTH)
    monthly_price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    chosen_at: datetime
