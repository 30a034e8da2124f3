"""Analytics folds each ticket's lifecycle steps into one fact, once each, in any order."""

import itertools
import uuid
from datetime import timedelta

import pytest

from analytics.models import TicketEvent, TicketFact
from message_contracts.tickets import TicketLifecycleRecorded
from messaging.receiver import Outcome
from tests.analytics.conftest import at

pytestmark = pytest.mark.django_db(databases=["analytics"])

TICKET = uuid.uuid4()
SUBMITTED = at("2026-06-10 08:00")


def step(sequence: int, name: str, hours: float, expert: int | None = None):
    return TicketLifecycleRecorded(
        ticket_id=TICKET,
        sequence=sequence,
        step=name,
        occurred_at=SUBMITTED + timedelta(hours=hours),
        priority="high",
        device_category="phone",
        submitted_at=SUBMITTED,
        expert_id=expert,
        expert_name=f"Expert {expert}" if expert else "",
    )


# Offered to expert 1, who declines; then to expert 2, who completes it.
LIFE = [
    step(0, "received", 0),
    step(1, "assigned", 1, expert=1),
    step(2, "rejected", 2, expert=1),
    step(3, "assigned", 3, expert=2),
    step(4, "accepted", 4, expert=2),
    step(5, "started", 5, expert=2),
    step(6, "completed", 7.5, expert=2),
]


def fact_fields() -> tuple:
    fact = TicketFact.objects.get()
    return (
        fact.step,
        fact.sequence,
        fact.first_assigned_at,
        fact.completed_at,
        fact.seconds_to_assign,
        fact.seconds_to_resolve,
        fact.resolved_by_expert_id,
        fact.resolved_by_expert_name,
    )


EXPECTED = (
    "completed",
    6,
    SUBMITTED + timedelta(hours=1),
    SUBMITTED + timedelta(hours=7.5),
    3600,
    27000,
    2,
    "Expert 2",
)


def test_a_tickets_steps_make_one_fact(receive):
    for message in LIFE:
        assert receive(message, sender="ticketing") == Outcome.APPLIED

    assert fact_fields() == EXPECTED
    assert TicketEvent.objects.count() == len(LIFE)


def test_the_same_step_twice_is_stored_once(receive):
    envelope_id = uuid.uuid4()
    assert receive(LIFE[1], sender="ticketing", envelope_id=envelope_id) == Outcome.APPLIED
    assert receive(LIFE[1], sender="ticketing", envelope_id=envelope_id) == Outcome.DUPLICATE
    # Published twice (a new envelope), the step is still one event.
    assert receive(LIFE[1], sender="ticketing") == Outcome.APPLIED

    assert TicketEvent.objects.count() == 1
    assert TicketFact.objects.get().first_assigned_at == SUBMITTED + timedelta(hours=1)


@pytest.mark.parametrize(
    "order",
    [list(reversed(LIFE)), [LIFE[6], LIFE[3], LIFE[0], LIFE[5], LIFE[1], LIFE[4], LIFE[2]]],
    ids=["reversed", "shuffled"],
)
def test_steps_out_of_order_give_the_same_fact(receive, order):
    for message in order:
        receive(message, sender="ticketing")

    assert fact_fields() == EXPECTED


def test_an_older_step_arriving_late_does_not_move_the_ticket_back(receive):
    for message in itertools.chain(LIFE[:2], [LIFE[3]], [LIFE[2]]):
        receive(message, sender="ticketing")

    fact = TicketFact.objects.get()
    assert (fact.step, fact.sequence) == ("assigned", 3)
    assert fact.completed_at is None
