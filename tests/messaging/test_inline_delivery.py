"""BENCH_DELIVERY=inline, the benchmark's synchronous baseline: the receiver applies the message
inside the sender's call, so the sender waits for it and fails with it; nothing goes to the broker."""

import pytest
from django.db import transaction

from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.tickets import TicketCreated
from messaging.endpoint import endpoints
from messaging.inline import InlineSender
from messaging.models import InboxMessage, OutboxMessage
from ticketing.endpoint import endpoint as ticketing_endpoint
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def inline(monkeypatch):
    for endpoint in endpoints():
        sender = InlineSender(quantum=endpoint.quantum)
        monkeypatch.setattr(endpoint, "sender", sender)


def test_the_receiver_applies_the_message_before_the_sender_returns(
    inline, ticket_created, queued, django_capture_on_commit_callbacks
):
    message = ticket_created()
    with (
        django_capture_on_commit_callbacks(using="customer", execute=True),
        transaction.atomic(using="customer"),
    ):
        message_id = customer_endpoint.publish(message)
        assert Ticket.objects.filter(pk=message.ticket_id).exists()

    assert InboxMessage.objects.using("ticketing").get(pk=message_id).applied_at is not None
    sent = OutboxMessage.objects.using("customer").get(pk=message_id)
    assert sent.confirmed_at is not None
    assert sent.resend_at is None
    assert queued("ticketing") == []
    assert customer_endpoint.sender.sweep() == 0


def test_a_failing_receiver_fails_the_senders_change(inline, ticket_created, monkeypatch):
    def receiver_down(message):
        raise ConnectionError("ticketing is down")

    monkeypatch.setitem(
        ticketing_endpoint.receiver.handlers,
        (TicketCreated.TYPE, TicketCreated.VERSION),
        receiver_down,
    )

    with pytest.raises(Exception, match="retry in"), transaction.atomic(using="customer"):
        customer_endpoint.publish(ticket_created())

    assert not OutboxMessage.objects.using("customer").exists()
    assert not Ticket.objects.exists()
