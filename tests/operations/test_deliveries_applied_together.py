"""A worker applying a message's first delivery takes the first deliveries queued right behind it
and applies them all in one transaction (issue 18). Whatever else waits keeps its place, and a batch
that fails goes back to the queue, to be received one by one and counted each on its own."""

import contextlib
import json

import pytest
import redis
from celery import current_app
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.portal.hot_path import counted
from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.tickets import TicketCreated
from messaging import broker
from messaging.endpoint import Endpoint
from messaging.models import InboxMessage, OutboxMessage
from messaging.tasks import applied_with_those_behind
from tests.messaging.faults import InjectedFault
from tests.operations.conftest import broker_used
from ticketing import handlers
from ticketing.endpoint import endpoint as ticketing_endpoint
from ticketing.models import Ticket

pytestmark = [
    pytest.mark.django_db(databases="__all__"),
    pytest.mark.usefixtures("broker_on_redis"),
]

RECEIVER = "ticketing"


@pytest.fixture
def published(ticket_created, envelope_of):
    """Envelopes of TicketCreated published by the customer quantum, titled as given."""

    def publish(*titles: str) -> list[dict]:
        return [envelope_of(ticket_created(title=title)) for title in titles]

    return publish


def handed_over(envelope: dict, *, first: bool = True) -> None:
    """Queued for ticketing as the sender's fast path (`first`) or its sweep hands it over."""
    row = OutboxMessage.objects.using("customer").get(pk=envelope["id"])
    assert customer_endpoint.sender.hand_to_broker(row, first_hand_over=first)


def periodic_job_queued() -> None:
    current_app.send_task("messaging.sweep_outbox", args=[RECEIVER], queue=RECEIVER, declare=[])


def waiting(queue: str = RECEIVER) -> list[str]:
    """What a queue holds, next first: the task's name, and the ticket's title or the step."""
    with current_app.connection_for_read() as connection:
        channel = connection.default_channel
        client = channel.client
        raws = client.lrange(client.global_keyprefix + queue, 0, -1)
        described = []
        for raw in reversed(raws):
            message = channel.Message(json.loads(raw), channel=channel)
            task = message.headers["task"]
            args, _kwargs, _embed = message.decode()
            payload = args[1]["payload"] if task == broker.DELIVERY_TASK else {}
            described.append(f"{task} {payload.get('title', payload.get('step', ''))}".strip())
        return described


def test_first_deliveries_queued_behind_are_applied_with_the_one_in_hand(published):
    in_hand, *behind = published("first", "second", "third")
    for envelope in behind:
        handed_over(envelope)

    with CaptureQueriesContext(connections[RECEIVER]) as queries:
        assert applied_with_those_behind(ticketing_endpoint, in_hand)

    assert set(Ticket.objects.values_list("title", flat=True)) == {"first", "second", "third"}
    inbox = InboxMessage.objects.using(RECEIVER)
    assert inbox.filter(applied_at__isnull=False, confirmation_due=True, deliveries=1).count() == 3
    assert [q["sql"] for q in queries.captured_queries].count("BEGIN") <= 1
    assert waiting() == []
    assert broker.idle_queues({RECEIVER}) == {RECEIVER}, "nothing is left parked"


def test_anything_but_a_first_delivery_keeps_its_place_and_ends_the_batch(published):
    in_hand, taken, resent, after = published("in hand", "taken", "resent", "after")
    handed_over(taken)
    handed_over(resent, first=False)
    periodic_job_queued()
    handed_over(after)

    assert applied_with_those_behind(ticketing_endpoint, in_hand)

    assert set(Ticket.objects.values_list("title", flat=True)) == {"in hand", "taken"}
    assert waiting() == [
        f"{broker.DELIVERY_TASK} resent",
        "messaging.sweep_outbox",
        f"{broker.DELIVERY_TASK} after",
    ]


def test_with_nothing_waiting_the_delivery_is_received_on_its_own(published):
    (in_hand,) = published("alone")
    periodic_job_queued()

    assert not applied_with_those_behind(ticketing_endpoint, in_hand)

    assert not Ticket.objects.exists()
    assert waiting() == ["messaging.sweep_outbox"]


def test_a_batch_that_fails_goes_back_to_be_received_one_by_one(published):
    def fails_on_poison(message):
        if message.title == "poison":
            raise InjectedFault("the expert directory is unreachable")
        handlers.ticket_created(message)

    failing = Endpoint(app_label=RECEIVER, handlers={TicketCreated: fails_on_poison})
    in_hand, *behind = published("in hand", "good", "poison")
    for envelope in behind:
        handed_over(envelope)

    assert not applied_with_those_behind(failing, in_hand)

    assert not Ticket.objects.exists()
    assert not InboxMessage.objects.using(RECEIVER).exists()
    assert waiting() == [f"{broker.DELIVERY_TASK} good", f"{broker.DELIVERY_TASK} poison"]
    with broker.first_deliveries_taken(RECEIVER, at_most=10) as taken:
        assert taken.envelopes == [], "put back as redelivered: never taken together again"
    assert broker.idle_queues({RECEIVER}) == set()


def test_while_a_batch_is_applied_its_deliveries_stay_parked_for_a_killed_workers_successor(
    published,
):
    (behind,) = published("behind")
    handed_over(behind)

    with broker.first_deliveries_taken(RECEIVER, at_most=10) as taken:
        assert [envelope["id"] for envelope in taken.envelopes] == [behind["id"]]
        assert waiting() == []
        parked = broker.orphans_requeue({RECEIVER}, taken_before=float("inf"))

    assert parked == 1
    assert waiting() == [f"{broker.DELIVERY_TASK} behind"]


def test_a_batch_costs_the_broker_and_the_outbox_the_same_however_long_it_is(
    published, django_capture_on_commit_callbacks
):
    """Taking, parking and acknowledging the deliveries, and handing over what their handlers
    publish, take a round trip each for the whole batch; the handlers' messages one INSERT."""

    def applied_together(*titles: str) -> tuple[int, int]:
        in_hand, *behind = published(*titles)
        for envelope in behind:
            handed_over(envelope)
        with (
            counted() as figures,
            django_capture_on_commit_callbacks(using=RECEIVER, execute=True),
        ):
            assert applied_with_those_behind(ticketing_endpoint, in_hand)
        outbox_table = OutboxMessage._meta.db_table
        inserts = [
            sql for sql in figures["sql"][RECEIVER] if f'INSERT INTO "{outbox_table}"' in sql
        ]
        return figures["broker round trips"], len(inserts)

    three = applied_together("one", "two", "three")
    eight = applied_together(*(f"ticket {n}" for n in range(8)))

    assert three == eight
    assert three[1] == 1
    assert waiting("analytics") == [f"{broker.DELIVERY_TASK} received"] * 11
    assert broker.idle_queues({RECEIVER}) == {RECEIVER}, "nothing is left parked"


@pytest.fixture
def broker_refusing_pushes(redis_server, broker_on_redis):
    """The session's Redis, reached as a user it lets connect and refuses every push to a queue:
    a publish that fails where a batch of them is sent, at its one round trip."""
    client = redis.Redis.from_url(redis_server.url)
    client.acl_setuser(
        "no-push", enabled=True, nopass=True, keys=["*"], commands=["+@all", "-lpush"]
    )
    with broker_used(redis_server.url.replace("redis://", "redis://no-push:@"), broker_on_redis):
        yield
    client.acl_deluser("no-push")


def test_messages_published_together_and_refused_by_the_broker_are_left_whole_to_the_sweep(
    ticket_created, broker_refusing_pushes, django_capture_on_commit_callbacks
):
    """Which of a batch's messages a failed round trip delivered is unknown: all are due again."""
    sender = customer_endpoint.sender
    with (
        django_capture_on_commit_callbacks(using="customer", execute=True),
        transaction.atomic(using="customer"),
        sender.published_together(),
    ):
        ids = [sender.publish(ticket_created(title=f"Laptop {n}")) for n in range(3)]

    rows = OutboxMessage.objects.using("customer").in_bulk(ids)
    assert [rows[message_id].send_attempts for message_id in ids] == [1, 1, 1]
    assert all(rows[message_id].resend_at <= timezone.now() for message_id in ids)
    assert all(rows[message_id].last_send_error for message_id in ids)


def test_what_a_failed_block_published_together_is_never_stored(ticket_created):
    """Even where the caller's transaction goes on and commits."""
    sender = customer_endpoint.sender
    with (
        transaction.atomic(using="customer"),
        contextlib.suppress(InjectedFault),
        sender.published_together(),
    ):
        sender.publish(ticket_created())
        raise InjectedFault

    assert not OutboxMessage.objects.using("customer").exists()
