"""Asking the notifications quantum to e-mail or text somebody (UC-8).

Any quantum publishes it through its own outbox, with everything the message needs: notifications
never reads another quantum's database. It may be delivered late, never lost.
"""

import enum
import re
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from message_contracts.cards import passes_luhn
from messaging.contract import Message

PHONE_MAX_LENGTH = 32
REFERENCE_MAX_LENGTH = 100
CONTEXT_MAX_FIELDS = 20
CONTEXT_VALUE_MAX_LENGTH = 2000

# A run of 13 to 19 digits, spaces or dashes allowed between them: what a card number looks like.
_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _masked(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"•••• {digits[-4:]}" if passes_luhn(digits) else match.group()


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotificationType(enum.StrEnum):
    """Each type has its templates in the notifications quantum."""

    ASSIGNMENT_OFFERED = "assignment_offered"  # to the expert: a ticket is waiting for them
    EXPERT_ASSIGNED = "expert_assigned"  # to the customer: who is coming, and by when
    INVOICE_ISSUED = "invoice_issued"  # to the customer: the month's invoice
    SURVEY_INVITED = "survey_invited"  # to the customer: how did we do? (a single-use link)
    ACCOUNT_OPENED = "account_opened"  # to a new customer: the account is open, how to sign in
    # To the owner of an address somebody else tried to register or to put on their profile.
    ADDRESS_IN_USE = "address_in_use"
    USERNAME_UNAVAILABLE = "username_unavailable"  # to a registrant: choose another username
    EMAIL_CONFIRMATION = "email_confirmation"  # to a customer's new address: the link to confirm it


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str = Field(default="", max_length=PHONE_MAX_LENGTH)


class NotificationRequested(Message):
    TYPE: ClassVar[str] = "NotificationRequested"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "notifications"

    recipient: Recipient
    channel: Channel
    notification_type: NotificationType
    context: dict[str, str] = Field(
        default_factory=dict,
        max_length=CONTEXT_MAX_FIELDS,
        description="The template's fields: small, plain text.",
    )
    reference: str = Field(
        max_length=REFERENCE_MAX_LENGTH,
        description="What it is about: a ticket id, an invoice number.",
    )
    requested_at: datetime

    @field_validator("context")
    @classmethod
    def _card_numbers_masked(cls, context: dict[str, str]) -> dict[str, str]:
        """A notification is stored, logged and sent in clear, so a card number typed into, say, a
        ticket's title is masked to its last four digits (PCI DSS 4.0 §3.4.1) rather than refused:
        refusing would stop the sender's whole transaction for one customer's text."""
        for name, value in context.items():
            if len(value) > CONTEXT_VALUE_MAX_LENGTH:
                raise ValueError(
                    f"context field {name!r} is longer than {CONTEXT_VALUE_MAX_LENGTH}"
                )
        return {name: _CARD_LIKE.sub(_masked, value) for name, value in context.items()}

    @model_validator(mode="after")
    def _reachable_on_its_channel(self) -> "NotificationRequested":
        if self.channel == Channel.EMAIL and not self.recipient.email:
            raise ValueError("an e-mail needs the recipient's e-mail address")
        if self.channel == Channel.SMS and not self.recipient.phone.strip():
            raise ValueError("an SMS needs the recipient's phone number")
        return self
