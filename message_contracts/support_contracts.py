"""The support-contract catalog as ticketing publishes it for replication: a periodic copy of the
table, not events. Each record is one contract as it stands now."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from message_contracts.tickets import DeviceCategory

CODE_MAX_LENGTH = 40


class SupportContractRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=CODE_MAX_LENGTH)
    name: str = Field(min_length=1, max_length=200)
    description: str
    monthly_price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    response_time_hours: int = Field(gt=0)
    device_categories: list[DeviceCategory]
    active: bool
    updated_at: datetime


class SupportContractChanges(BaseModel):
    """What changed since a watermark, plus every code that still exists (to notice deletions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    changed: list[SupportContractRecord]
    existing_codes: frozenset[str]
