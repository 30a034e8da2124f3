"""Analytics keeps each survey answer once: one per invitation."""

import uuid

import pytest

from analytics.models import SurveyResponse
from message_contracts.surveys import SurveySubmitted
from messaging.receiver import Outcome
from tests.analytics.conftest import at

pytestmark = pytest.mark.django_db(databases=["analytics"])


def survey(**changes) -> SurveySubmitted:
    fields = {
        "survey_id": uuid.uuid4(),
        "ticket_id": uuid.uuid4(),
        "customer_id": 7,
        "rating": 4,
        "comment": "Quick and friendly.",
        "expert_on_time": True,
        "submitted_at": at("2026-06-12 10:00"),
    }
    return SurveySubmitted(**(fields | changes))


def test_a_survey_is_stored_with_its_answers(receive):
    message = survey()

    assert receive(message, sender="customer") == Outcome.APPLIED

    stored = SurveyResponse.objects.get()
    assert (stored.survey_id, stored.ticket_id, stored.rating, stored.comment) == (
        message.survey_id,
        message.ticket_id,
        4,
        "Quick and friendly.",
    )
    assert (stored.expert_on_time, stored.would_recommend) == (True, None)


def test_the_same_survey_twice_is_one_answer(receive):
    message = survey()
    envelope_id = uuid.uuid4()

    assert receive(message, sender="customer", envelope_id=envelope_id) == Outcome.APPLIED
    assert receive(message, sender="customer", envelope_id=envelope_id) == Outcome.DUPLICATE
    assert receive(message, sender="customer") == Outcome.APPLIED
    # Another answer to the same invitation does not replace the first.
    assert receive(survey(survey_id=message.survey_id, rating=1), sender="customer") == (
        Outcome.APPLIED
    )

    assert list(SurveyResponse.objects.values_list("rating", flat=True)) == [4]
