"""The customer's answer to the survey sent after a ticket was completed (UC-4).

Surveys serve only analytics' reports: the customer quantum forwards the answer and keeps nothing
of it but the fact that its invitation was used.
"""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from messaging.contract import Message

RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX_LENGTH = 2000


class SurveySubmitted(Message):
    TYPE: ClassVar[str] = "SurveySubmitted"
    VERSION: ClassVar[int] = 1
    RECEIVER: ClassVar[str] = "analytics"

    survey_id: UUID = Field(description="The invitation answered: one answer per invitation.")
    ticket_id: UUID
    customer_id: int
    rating: int = Field(ge=RATING_MIN, le=RATING_MAX)
    comment: str = Field(default="", max_length=COMMENT_MAX_LENGTH)
    expert_on_time: bool | None = Field(default=None, description="Optional question.")
    would_recommend: bool | None = Field(default=None, description="Optional question.")
    submitted_at: datetime
