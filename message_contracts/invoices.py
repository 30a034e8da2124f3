"""Invoices billing issues to customers: the customer quantum keeps its copy as billing history.

Persistent by design: the message is stored in billing's outbox with the invoice itself,
so no invoice is ever missed while the customer quantum's workers are down.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from message_contracts.support_contracts import CODE_MAX_LENGTH
from messaging.contract import Message

INVOICE_NUMBER_MAX_LENGTH = 20
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class InvoiceLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = Field(min_length=1, max_length=200)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class InvoiceIssued(Message):
    TYPE: ClassVar[str] = "InvoiceIssued"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "customer"

    invoice_id: UUID
    number: str = Field(min_length=1, max_length=INVOICE_NUMBER_MAX_LENGTH)
    customer_id: int
    period: str = Field(pattern=PERIOD_PATTERN, description="The month billed, YYYY-MM.")
    issued_on: date
    lines: list[InvoiceLine] = Field(min_length=1)
    total: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    status: str = Field(min_length=1, max_length=20)
    issued_at: datetime


class PaymentRecorded(Message):
    """A financial fact for reports: one per charge billing settled, paid or not."""

    TYPE: ClassVar[str] = "PaymentRecorded"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "analytics"

    payment_id: UUID
    attempt: int = Field(gt=0, description="A retry after a decline is a new attempt.")
    customer_id: int
    period: str = Field(pattern=PERIOD_PATTERN)
    contract_code: str = Field(max_length=CODE_MAX_LENGTH)
    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    outcome: str = Field(min_length=1, max_length=20, description="charged, declined or failed")
    invoice_number: str = Field(default="", max_length=INVOICE_NUMBER_MAX_LENGTH)
    recorded_at: datetime
