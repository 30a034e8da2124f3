"""Ticket messages between the customer quantum and ticketing, and the vocabulary they share."""

import enum
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from messaging.contract import Message


class DeviceCategory(enum.StrEnum):
    COMPUTER = "computer"
    PHONE = "phone"
    TABLET = "tablet"
    TELEVISION = "television"
    AUDIO = "audio"
    CAMERA = "camera"
    APPLIANCE = "appliance"
    OTHER = "other"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000


class TicketCreated(Message):
    """A customer submitted a ticket; ticketing takes it into processing (fire and forget)."""

    TYPE: ClassVar[str] = "TicketCreated"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "ticketing"

    ticket_id: UUID
    customer_id: int
    customer_name: str = Field(max_length=200)
    title: str = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    description: str = Field(max_length=DESCRIPTION_MAX_LENGTH)
    device_category: DeviceCategory
    priority: Priority
    submitted_at: datetime
