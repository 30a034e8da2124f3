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


REGION_MAX_LENGTH = 100


class TicketCreatedV2(TicketCreated):
    """Version 2 adds the customer's service region, which the assignment job matches experts on.

    Ticketing keeps handling version 1: messages already in outboxes and dead letters still say it.
    """

    VERSION: ClassVar[int] = 2

    customer_region: str = Field(max_length=REGION_MAX_LENGTH)


class TicketProgress(enum.StrEnum):
    """Where a ticket stands, in the words ticketing tells the customer quantum."""

    QUEUED = "queued"  # waiting for an expert, again after an expert declined it
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class TicketStatusChanged(Message):
    """Ticketing moved a ticket on. `sequence` counts the ticket's changes from 1, so the receiver
    keeps the newest whatever order the messages arrive in."""

    TYPE: ClassVar[str] = "TicketStatusChanged"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "customer"

    ticket_id: UUID
    sequence: int = Field(ge=1)
    status: TicketProgress
    changed_at: datetime
    expert_name: str = Field(default="", max_length=200)
    expected_arrival: datetime | None = None
