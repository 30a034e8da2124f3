"""Billing's answer moves a card summary from `pending` to `active` or `rejected`, once: a late,
repeated or contradicting answer never moves it again."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from billing_quantum.endpoint import endpoint as billing_endpoint
from customer_quantum.endpoint import endpoint
from customer_quantum.models import CardSummary
from message_contracts.cards import CardRejected, CardVerified
from messaging.models import OutboxMessage
from messaging.receiver import Outcome
from tests.billing_quantum.traces import envelope_of
from tests.customer_quantum.factories import CustomerFactory

pytestmark = pytest.mark.django_db(databases="__all__")

ANSWERED_AT = timezone.now().replace(microsecond=0)


@pytest.fixture
def pending():
    return CardSummary.objects.create(
        customer=CustomerFactory(), brand="Visa", last4="4242", expiry_month=12, expiry_year=2099
    )


def from_billing(message) -> dict:
    with transaction.atomic(using="billing"):
        message_id = billing_endpoint.publish(message)
    return envelope_of(OutboxMessage.objects.using("billing").get(pk=message_id), sender="billing")


def verified(card: CardSummary, at=ANSWERED_AT) -> dict:
    return from_billing(CardVerified(card_id=card.id, verified_at=at))


def rejected(card: CardSummary, at=ANSWERED_AT) -> dict:
    return from_billing(
        CardRejected(card_id=card.id, reason="the card was declined by its issuer", rejected_at=at)
    )


def status_of(card: CardSummary) -> tuple[str, str]:
    card.refresh_from_db()
    return card.status, card.rejection_reason


def test_a_verified_card_becomes_active(pending):
    assert endpoint.receive(verified(pending)) == Outcome.APPLIED

    assert status_of(pending) == ("active", "")
    assert pending.status_changed_at == ANSWERED_AT


def test_a_rejected_card_becomes_rejected_with_the_reason(pending):
    assert endpoint.receive(rejected(pending)) == Outcome.APPLIED

    assert status_of(pending) == ("rejected", "the card was declined by its issuer")
    assert pending.status_changed_at == ANSWERED_AT


def test_a_verification_arriving_after_a_rejection_changes_nothing(pending):
    endpoint.receive(rejected(pending))

    assert endpoint.receive(verified(pending, at=ANSWERED_AT - timedelta(seconds=5))) == (
        Outcome.APPLIED
    )

    assert status_of(pending) == ("rejected", "the card was declined by its issuer")
    assert pending.status_changed_at == ANSWERED_AT


def test_a_rejection_arriving_after_a_verification_changes_nothing(pending):
    endpoint.receive(verified(pending))

    endpoint.receive(rejected(pending, at=ANSWERED_AT + timedelta(seconds=5)))

    assert status_of(pending) == ("active", "")
    assert pending.status_changed_at == ANSWERED_AT


def test_a_repeated_answer_is_applied_once(pending):
    answer = rejected(pending)

    outcomes = [endpoint.receive(answer) for _ in range(2)]

    assert outcomes == [Outcome.APPLIED, Outcome.DUPLICATE]
    assert status_of(pending)[0] == "rejected"


def test_an_answer_about_a_card_the_customer_no_longer_has_changes_nothing(pending):
    gone = CardSummary(id=pending.id)
    pending.delete()

    assert endpoint.receive(verified(gone)) == Outcome.APPLIED

    assert not CardSummary.objects.exists()
