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
    The region has a default so that version 2 reads version 1's messages: no region, any expert.
    """

    VERSION: ClassVar[int] = 2

    customer_region: str = Field(
        default="", max_length=REGION_MAX_LENGTH, description="Empty: any region."
    )


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


class TicketStep(enum.StrEnum):
    """A step of a ticket's life as analytics counts it; unlike `TicketProgress`, a declined offer
    is a step of its own, not a return to the queue."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    STARTED = "started"
    COMPLETED = "completed"


class TicketLifecycleRecorded(Message):
    """One step of a ticket's life, for the managers' reports. `sequence` is the ticket's status
    sequence after the step (0 when received), so analytics stores each step once and knows the
    latest whatever order the messages arrive in. Each message carries what the reports group by,
    so any step alone is enough to start a ticket's fact."""

    TYPE: ClassVar[str] = "TicketLifecycleRecorded"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "analytics"

    ticket_id: UUID
    sequence: int = Field(ge=0)
    step: TicketStep
    occurred_at: datetime
    priority: Priority
    device_category: DeviceCategory
    submitted_at: datetime
    expert_id: int | None = Field(
        default=None, description="Ticketing's expert, when there is one."
    )
    expert_name: str = Field(default="", max_length=200)
