"""The soak's counts tell an applied operation from a lost one and from one applied twice: the CI
soak asserts zero lost and zero duplicated, which proves something only if these can be counted."""

import uuid

import pytest
from django.utils import timezone

from analytics.models import SurveyResponse
from bench.soak.outcome import counts
from bench.soak.workload import SURVEY, TICKET, Operation
from tests.ticketing.factories import TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def ticket_sent(title: str, ticket_id: uuid.UUID, status: int = 201) -> Operation:
    return Operation(TICKET, status, str(ticket_id), {"title": title})


def survey_answer(ticket_id: uuid.UUID) -> SurveyResponse:
    return SurveyResponse.objects.create(
        survey_id=uuid.uuid4(),
        ticket_id=ticket_id,
        customer_id=7,
        rating=4,
        submitted_at=timezone.now(),
    )


def test_tickets_applied_once_lost_and_duplicated_are_told_apart():
    applied, lost, twice, refused = (uuid.uuid4() for _ in range(4))
    TicketFactory(id=applied, title="Soak ticket 1")
    TicketFactory(id=twice, title="Soak ticket 3")
    TicketFactory(title="Soak ticket 3")  # a second ticket made of the same request

    row = counts(
        [
            ticket_sent("Soak ticket 1", applied),
            ticket_sent("Soak ticket 2", lost),
            ticket_sent("Soak ticket 3", twice),
            ticket_sent("Soak ticket 4", refused, status=503),
        ]
    )[TICKET]

    assert row == {
        "sent": 4,
        "accepted": 3,
        "refused": 1,
        "applied_once": 1,
        "lost": 1,
        "duplicated": 1,
    }


def test_a_survey_answered_twice_in_analytics_is_duplicated():
    once, twice, lost = (uuid.uuid4() for _ in range(3))
    survey_answer(once)
    survey_answer(twice)
    survey_answer(twice)

    table = counts([Operation(SURVEY, 201, str(ticket)) for ticket in (once, twice, lost)])

    assert (table[SURVEY]["applied_once"], table[SURVEY]["lost"]) == (1, 1)
    assert table[SURVEY]["duplicated"] == 1
    assert table["total"]["accepted"] == 3
