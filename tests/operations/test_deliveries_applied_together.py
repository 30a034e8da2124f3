"""A worker applying a message's first delivery takes the first deliveries queued right behind it
and applies them all in one transaction (issue 18). Whatever else waits keeps its place, and a batch
that fails goes back to the queue, to be received one by one and counted each on its own."""

import json

import pytest
from celery import current_app
from django.db import connections
from django.test.utils import CaptureQueriesContext

from customer_quantum.endpoint import endpoint as customer_endpoint
from message_contracts.tickets import TicketCreated
from messaging import broker
from messaging.endpoint import Endpoint
from messaging.models import InboxMessage, OutboxMessage
from messaging.tasks import applied_with_those_behind
from tests.messaging.faults import InjectedFault
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


def waiting() -> list[str]:
    """What ticketing's queue holds, next first: the task's name, and the ticket's title."""
    with current_app.connection_for_read() as connection:
        channel = connection.default_channel
        client = channel.client
        raws = client.lrange(client.global_keyprefix + RECEIVER, 0, -1)
        described = []
        for raw in reversed(raws):
            message = channel.Message(json.loads(raw), channel=channel)
            task = message.headers["task"]
            args, _kwargs, _embed = message.decode()
            title = args[1]["payload"]["title"] if task == broker.DELIVERY_TASK else ""
            described.append(f"{task} {title}".strip())
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
