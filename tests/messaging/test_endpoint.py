"""The kernel's promises: stored with the change, handed over after commit, applied exactly once,
retried with backoff, buried after a bounded number of deliveries, replayable."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.tickets import TicketCreated
from messaging.endpoint import Endpoint
from messaging.flow import flow
from messaging.models import DeadLetter, InboxMessage, OutboxMessage
from messaging.receiver import Outcome, RetryLater, Unprocessable, retry_delay
from tests.messaging.faults import InjectedFault, always_fails
from ticketing.endpoint import endpoint as ticketing_endpoint
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db(databases="__all__")


# Sending


def test_a_message_is_stored_only_if_the_business_change_commits(ticket_created):
    with pytest.raises(InjectedFault), transaction.atomic(using="customer"):
        customer_endpoint.publish(ticket_created())
        raise InjectedFault

    assert not OutboxMessage.objects.using("customer").exists()


def test_after_commit_the_message_is_handed_to_the_receivers_queue_without_another_write(
    settings, ticket_created, queued, django_capture_on_commit_callbacks
):
    settings.MESSAGING_CONFIRM_TIMEOUT_SECONDS = 60
    with (
        CaptureQueriesContext(connections["customer"]) as queries,
        django_capture_on_commit_callbacks(using="customer", execute=True),
    ):
        message_id = customer_endpoint.publish(ticket_created())

    [body] = queued("ticketing")
    assert str(message_id) in body
    writes = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [verb for verb in writes if verb in ("INSERT", "UPDATE")] == ["INSERT"]
    stored = OutboxMessage.objects.using("customer").get(pk=message_id)
    assert stored.resend_at - stored.created_at == timedelta(seconds=60)


def test_monitoring_sees_which_message_a_task_carries_never_its_payload(
    ticket_created, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        message_id = customer_endpoint.publish(ticket_created(title="Grace's private laptop"))

    [body] = queued("ticketing")
    headers = json.loads(body)["headers"]
    assert headers["argsrepr"] == f"('ticketing', <TicketCreated {message_id}>)"
    assert "Grace" not in headers["argsrepr"] + headers["kwargsrepr"]


def test_a_broker_that_refuses_leaves_the_message_for_the_sweep(
    ticket_created, broker, queued, django_capture_on_commit_callbacks
):
    broker.refuse()
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        message_id = customer_endpoint.publish(ticket_created())

    unsent = OutboxMessage.objects.using("customer").get(pk=message_id)
    assert unsent.sent_at is None
    assert unsent.send_attempts == 1
    assert "the broker refuses every message" in unsent.last_send_error

    broker.accept()
    OutboxMessage.objects.using("customer").update(resend_at=timezone.now())
    assert customer_endpoint.sender.sweep() == 1
    assert OutboxMessage.objects.using("customer").get(pk=message_id).sent_at is not None
    assert len(queued("ticketing")) == 1


def test_messages_published_together_are_stored_in_one_insert_and_handed_over_in_order(
    ticket_created, queued, django_capture_on_commit_callbacks
):
    messages = [ticket_created(title=f"Laptop {n}") for n in range(3)]
    with (
        CaptureQueriesContext(connections["customer"]) as queries,
        django_capture_on_commit_callbacks(using="customer", execute=True) as hooks,
    ):
        ids = customer_endpoint.publish_all(messages)

    writes = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [verb for verb in writes if verb in ("INSERT", "UPDATE")] == ["INSERT"]
    assert len(hooks) == 1
    bodies = queued("ticketing")
    assert all(str(message_id) in body for message_id, body in zip(ids, bodies, strict=True))


def test_at_the_first_refusal_the_rest_of_a_batch_is_left_due_for_the_next_sweep(
    ticket_created, broker, queued, django_capture_on_commit_callbacks
):
    broker.refuse()
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        ids = customer_endpoint.publish_all([ticket_created() for _ in range(3)])

    rows = OutboxMessage.objects.using("customer").in_bulk(ids)
    assert [rows[message_id].send_attempts for message_id in ids] == [1, 0, 0]
    assert all(rows[message_id].resend_at <= timezone.now() for message_id in ids)
    broker.accept()
    assert customer_endpoint.sender.sweep() == 3
    assert len(queued("ticketing")) == 3


def test_the_sweep_leaves_messages_the_fast_path_may_still_be_sending(ticket_created, queued):
    customer_endpoint.publish(ticket_created())

    assert customer_endpoint.sender.sweep() == 0
    assert queued("ticketing") == []


def test_the_sweep_sends_oldest_first_and_stops_while_the_broker_refuses(
    ticket_created, broker, queued
):
    ids = [customer_endpoint.publish(ticket_created()) for _ in range(3)]
    for age, message_id in enumerate(reversed(ids), start=1):
        OutboxMessage.objects.using("customer").filter(pk=message_id).update(
            created_at=(earlier := timezone.now() - timedelta(minutes=age)), resend_at=earlier
        )
    broker.refuse()

    assert customer_endpoint.sender.sweep() == 0
    assert OutboxMessage.objects.using("customer").filter(send_attempts=1).count() == 1

    broker.accept()
    assert customer_endpoint.sender.sweep() == 3
    assert len(queued("ticketing")) == 3
    # The embedded broker orders files only to the millisecond; the outbox's own record is exact.
    assert (
        list(
            OutboxMessage.objects.using("customer").order_by("sent_at").values_list("id", flat=True)
        )
        == ids
    )


def test_a_message_the_receiver_does_not_confirm_is_handed_over_again_later_and_later(
    settings, ticket_created, queued, django_capture_on_commit_callbacks
):
    settings.MESSAGING_CONFIRM_TIMEOUT_SECONDS = 60
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        message_id = customer_endpoint.publish(ticket_created())
    first = OutboxMessage.objects.using("customer").get(pk=message_id)
    assert first.resend_at - first.created_at == timedelta(seconds=60)

    OutboxMessage.objects.using("customer").update(resend_at=timezone.now())
    assert customer_endpoint.sender.sweep() == 1

    second = OutboxMessage.objects.using("customer").get(pk=message_id)
    assert second.send_attempts == 1
    assert second.resend_at - second.sent_at == timedelta(seconds=120)
    assert len(queued("ticketing")) == 2


def test_a_confirmed_message_is_never_handed_over_again(
    ticket_created, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(using="customer", execute=True):
        message_id = customer_endpoint.publish(ticket_created())

    assert customer_endpoint.sender.confirm([str(message_id)]) == 1
    OutboxMessage.objects.using("customer").update(created_at=timezone.now() - timedelta(days=1))

    confirmed = OutboxMessage.objects.using("customer").get(pk=message_id)
    assert (confirmed.confirmed_at is not None, confirmed.resend_at) == (True, None)
    assert customer_endpoint.sender.sweep() == 0
    assert customer_endpoint.sender.confirm([str(message_id)]) == 0
    assert len(queued("ticketing")) == 1


def test_a_message_published_while_handling_another_continues_its_flow(ticket_created):
    operation = uuid.uuid4()
    with flow(operation):
        message_id = customer_endpoint.publish(ticket_created())

    assert OutboxMessage.objects.using("customer").get(pk=message_id).correlation_id == operation


# Receiving


def test_a_message_is_applied_once_however_often_it_is_delivered(ticket_created, envelope_of):
    message = ticket_created()
    envelope = envelope_of(message)

    outcomes = [ticketing_endpoint.receive(envelope) for _ in range(3)]

    assert outcomes == [Outcome.APPLIED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert Ticket.objects.get().id == message.ticket_id
    inbox = InboxMessage.objects.using("ticketing").get()
    assert (inbox.deliveries, inbox.sender) == (3, "customer")
    assert inbox.applied_at is not None


def test_a_first_delivery_is_applied_in_one_transaction_and_its_copies_ignored(
    ticket_created, envelope_of
):
    message = ticket_created()
    envelope = envelope_of(message)

    with CaptureQueriesContext(connections["ticketing"]) as first_queries:
        first = ticketing_endpoint.receive(envelope, first_delivery=True)
    copies = [ticketing_endpoint.receive(envelope, first_delivery=True) for _ in range(2)]
    with CaptureQueriesContext(connections["ticketing"]) as counted_queries:
        ticketing_endpoint.receive(envelope_of(ticket_created()))

    assert first == Outcome.APPLIED
    assert copies == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    first_sql = [q["sql"] for q in first_queries.captured_queries]
    assert not [sql for sql in first_sql if "FOR UPDATE" in sql]
    assert sum(sql == "BEGIN" for sql in first_sql) <= 1
    assert len(first_sql) < len(counted_queries.captured_queries)
    assert Ticket.objects.get(pk=message.ticket_id)
    inbox = InboxMessage.objects.using("ticketing").get(pk=envelope["id"])
    assert (inbox.deliveries, inbox.confirmation_due) == (3, True)
    assert inbox.applied_at is not None


def test_a_copy_that_claims_to_be_a_first_delivery_never_runs_the_handler(
    ticket_created, envelope_of, ticketing_with
):
    handled = []
    receiving = ticketing_with(handled.append)
    envelope = envelope_of(ticket_created())

    outcomes = [receiving.receive(envelope, first_delivery=True) for _ in range(2)]

    assert outcomes == [Outcome.APPLIED, Outcome.DUPLICATE]
    assert len(handled) == 1


def test_a_first_delivery_whose_handler_fails_is_counted_and_retried(
    ticket_created, envelope_of, ticketing_with
):
    failing = ticketing_with(always_fails)

    with pytest.raises(RetryLater):
        failing.receive(envelope_of(ticket_created()), first_delivery=True)

    assert not Ticket.objects.exists()
    inbox = InboxMessage.objects.using("ticketing").get()
    assert (inbox.deliveries, inbox.applied_at) == (1, None)
    assert inbox.last_error == "InjectedFault: the expert directory is unreachable"


def test_the_receiver_confirms_what_it_settled_in_one_batch_per_sender(
    ticket_created, envelope_of, queued
):
    envelopes = [envelope_of(ticket_created()) for _ in range(3)]
    for envelope in envelopes:
        ticketing_endpoint.receive(envelope)
    assert queued("customer") == []  # nothing per message

    assert ticketing_endpoint.receiver.confirm_settled() == 3

    [confirmation] = queued("customer")
    assert "messaging.confirm" in confirmation
    assert all(envelope["id"] in confirmation for envelope in envelopes)
    assert ticketing_endpoint.receiver.confirm_settled() == 0  # told once


def test_a_copy_of_an_applied_message_is_confirmed_again(ticket_created, envelope_of, queued):
    envelope = envelope_of(ticket_created())
    ticketing_endpoint.receive(envelope)
    ticketing_endpoint.receiver.confirm_settled()

    # The sender resent it: the first confirmation was lost on the way.
    assert ticketing_endpoint.receive(envelope) == Outcome.DUPLICATE

    assert ticketing_endpoint.receiver.confirm_settled() == 1
    assert len(queued("customer")) == 2


def test_a_message_still_being_retried_is_not_confirmed(
    ticket_created, envelope_of, ticketing_with, queued
):
    failing = ticketing_with(always_fails)
    with pytest.raises(RetryLater):
        failing.receive(envelope_of(ticket_created()))

    assert failing.receiver.confirm_settled() == 0
    assert queued("customer") == []


def test_a_buried_message_is_confirmed_so_the_sender_stops_resending(
    settings, ticket_created, envelope_of, ticketing_with, queued
):
    settings.MESSAGING_MAX_DELIVERIES = 1
    failing = ticketing_with(always_fails)
    envelope = envelope_of(ticket_created())

    assert failing.receive(envelope) == Outcome.DEAD_LETTERED

    assert failing.receiver.confirm_settled() == 1
    [confirmation] = queued("customer")
    assert envelope["id"] in confirmation


def test_confirmations_the_broker_refuses_wait_for_the_next_sweep(
    ticket_created, envelope_of, broker, queued
):
    ticketing_endpoint.receive(envelope_of(ticket_created()))
    broker.refuse()

    assert ticketing_endpoint.receiver.confirm_settled() == 0

    broker.accept()
    assert ticketing_endpoint.receiver.confirm_settled() == 1
    assert len(queued("customer")) == 1


def test_old_confirmed_and_applied_rows_are_pruned_the_rest_kept(ticket_created, envelope_of):
    settled, pending = envelope_of(ticket_created()), envelope_of(ticket_created())
    ticketing_endpoint.receive(settled)
    customer_endpoint.sender.confirm([settled["id"]])
    week_ago = timezone.now() - timedelta(days=8)
    OutboxMessage.objects.using("customer").filter(pk=settled["id"]).update(confirmed_at=week_ago)
    InboxMessage.objects.using("ticketing").filter(pk=settled["id"]).update(applied_at=week_ago)

    assert customer_endpoint.sender.prune(older_than=timedelta(days=7)) == 1
    assert ticketing_endpoint.receiver.prune(older_than=timedelta(days=7)) == 1

    assert list(OutboxMessage.objects.using("customer").values_list("id", flat=True)) == [
        uuid.UUID(pending["id"])
    ]
    assert not InboxMessage.objects.using("ticketing").exists()


def test_a_failing_handler_changes_nothing_and_asks_for_a_later_retry(
    ticket_created, envelope_of, ticketing_with
):
    failing = ticketing_with(always_fails)

    with pytest.raises(RetryLater) as first:
        failing.receive(envelope_of(ticket_created()))

    assert 0.5 <= first.value.delay <= 1
    assert not Ticket.objects.exists()
    inbox = InboxMessage.objects.using("ticketing").get()
    assert inbox.applied_at is None
    assert inbox.last_error == "InjectedFault: the expert directory is unreachable"


def test_retries_back_off_exponentially_with_jitter_under_a_ceiling(settings):
    settings.MESSAGING_RETRY_BASE_SECONDS = 1
    settings.MESSAGING_RETRY_MAX_SECONDS = 8

    delays = {deliveries: retry_delay(deliveries) for deliveries in (1, 2, 3, 4, 10)}

    assert 0.5 <= delays[1] <= 1
    assert 1 <= delays[2] <= 2
    assert 2 <= delays[3] <= 4
    assert 4 <= delays[4] <= 8
    assert 4 <= delays[10] <= 8


def test_a_message_that_keeps_failing_is_buried_after_its_budget(
    settings, ticket_created, envelope_of, ticketing_with
):
    settings.MESSAGING_MAX_DELIVERIES = 3
    failing = ticketing_with(always_fails)
    envelope = envelope_of(ticket_created())

    for _ in range(2):
        with pytest.raises(RetryLater):
            failing.receive(envelope)
    assert failing.receive(envelope) == Outcome.DEAD_LETTERED

    letter = DeadLetter.objects.using("ticketing").get()
    assert str(letter.message_id) == envelope["id"]
    assert (letter.type, letter.sender, letter.deliveries) == ("TicketCreated", "customer", 3)
    assert letter.error == "InjectedFault: the expert directory is unreachable"
    assert letter.envelope == envelope
    assert not Ticket.objects.exists()


def test_a_message_whose_worker_keeps_dying_is_buried_without_running_again(
    settings, ticket_created, envelope_of
):
    settings.MESSAGING_MAX_DELIVERIES = 3
    envelope = envelope_of(ticket_created())
    InboxMessage.objects.using("ticketing").create(
        message_id=envelope["id"],
        type="TicketCreated",
        sender="customer",
        correlation_id=envelope["correlation_id"],
        first_received_at=timezone.now(),
        deliveries=3,
    )

    assert ticketing_endpoint.receive(envelope) == Outcome.DEAD_LETTERED

    assert (
        "gave up after 3 deliveries: the worker was lost"
        in DeadLetter.objects.using("ticketing").get().error
    )
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"type": "TicketTeleported"}, "unknown message type 'TicketTeleported' version 1"),
        ({"payload": {"title": "no ticket id"}}, "TicketCreated v1 payload is invalid: ticket_id"),
    ],
)
def test_a_message_breaking_every_contract_is_buried_at_once(
    ticket_created, envelope_of, change, reason
):
    envelope = envelope_of(ticket_created()) | change

    assert ticketing_endpoint.receive(envelope) == Outcome.DEAD_LETTERED

    letter = DeadLetter.objects.using("ticketing").get()
    assert reason in letter.error
    assert letter.deliveries == 1


def test_an_unreadable_envelope_is_kept_whole_in_dead_letters():
    assert ticketing_endpoint.receive({"garbage": True}) == Outcome.DEAD_LETTERED

    letter = DeadLetter.objects.using("ticketing").get()
    assert letter.message_id is None
    assert letter.envelope == {"garbage": True}
    assert letter.error.startswith("malformed envelope: id: Field required")


def test_a_quantum_buries_a_message_it_has_no_handler_for(ticket_created, envelope_of):
    assert customer_endpoint.receive(envelope_of(ticket_created())) == Outcome.DEAD_LETTERED

    assert "customer has no handler for TicketCreated v1" in (
        DeadLetter.objects.using("customer").get().error
    )


def test_an_unprocessable_message_is_buried_at_once_without_retries(ticket_created, envelope_of):
    def cannot_ever_apply(message):
        raise Unprocessable("sealed data cannot be opened")

    receiver = Endpoint(app_label="ticketing", handlers={TicketCreated: cannot_ever_apply})

    assert receiver.receive(envelope_of(ticket_created())) == Outcome.DEAD_LETTERED

    letter = DeadLetter.objects.using("ticketing").get()
    assert (letter.deliveries, letter.error) == (1, "sealed data cannot be opened")


def test_on_burial_the_receiver_can_tell_the_sender_in_the_same_transaction(
    settings, ticket_created, envelope_of
):
    settings.MESSAGING_MAX_DELIVERIES = 1
    told = []

    def tell_the_customer(message, reason):
        told.append((message.ticket_id, reason))
        OutboxMessage.objects.using("ticketing").create(
            id=uuid.uuid4(),
            type="TicketRefused",
            version=1,
            receiver="customer",
            correlation_id=uuid.uuid4(),
            payload={},
            created_at=timezone.now(),
        )

    receiver = Endpoint(
        app_label="ticketing",
        handlers={TicketCreated: always_fails},
        on_burial={TicketCreated: tell_the_customer},
    )
    message = ticket_created()

    assert receiver.receive(envelope_of(message)) == Outcome.DEAD_LETTERED

    assert told == [(message.ticket_id, "InjectedFault: the expert directory is unreachable")]
    assert OutboxMessage.objects.using("ticketing").get().type == "TicketRefused"
    assert DeadLetter.objects.using("ticketing").count() == 1


def test_a_failing_burial_handler_still_leaves_the_dead_letter(ticket_created, envelope_of):
    def cannot_ever_apply(message):
        raise Unprocessable("sealed data cannot be opened")

    receiver = Endpoint(
        app_label="ticketing",
        handlers={TicketCreated: cannot_ever_apply},
        on_burial={TicketCreated: lambda message, reason: always_fails(message)},
    )

    assert receiver.receive(envelope_of(ticket_created())) == Outcome.DEAD_LETTERED

    assert DeadLetter.objects.using("ticketing").get().error == (
        "sealed data cannot be opened; and on burial: "
        "InjectedFault: the expert directory is unreachable"
    )


# Replaying


def test_a_replayed_dead_letter_is_applied_once_and_leaves_dead_letters(
    settings, ticket_created, envelope_of, ticketing_with
):
    settings.MESSAGING_MAX_DELIVERIES = 1
    message = ticket_created()
    ticketing_with(always_fails).receive(envelope_of(message))

    assert ticketing_endpoint.receiver.replay(DeadLetter.objects.using("ticketing").get()) is None

    assert Ticket.objects.get().id == message.ticket_id
    assert not DeadLetter.objects.using("ticketing").exists()
    assert InboxMessage.objects.using("ticketing").get().applied_at is not None


def test_a_replay_that_still_fails_keeps_the_letter_with_the_new_error(
    settings, ticket_created, envelope_of, ticketing_with
):
    settings.MESSAGING_MAX_DELIVERIES = 1
    failing = ticketing_with(always_fails)
    failing.receive(envelope_of(ticket_created()))

    assert failing.receiver.replay(DeadLetter.objects.using("ticketing").get()) == (
        "InjectedFault: the expert directory is unreachable"
    )

    assert DeadLetter.objects.using("ticketing").get().deliveries == 2
    assert not Ticket.objects.exists()
