"""The message trace: real messages flow through the in-memory broker and each quantum's worker
(run in this process), then the trace is read back from the kernel's tables of every quantum."""

import base64
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from message_contracts.tickets import TicketCreated, TicketCreatedV2, TicketStatusChanged
from messaging import endpoint as kernel
from messaging.endpoint import endpoint_for
from messaging.models import DeadLetter
from messaging.tasks import deliver
from operations.trace import BROKER, HopKind, NothingToTrace, message_trace, subject_parsed
from tests.messaging.faults import always_fails

pytestmark = pytest.mark.django_db(databases="__all__")

TICKETS = "/api/customer/tickets/"


def _steps(trace) -> list[tuple[str, str, str, str]]:
    return [(hop.message_type, hop.kind, hop.source, hop.target) for hop in trace.hops]


def _confirmations_sent(worker_runs, *, receivers: list[str], sender: str) -> None:
    """What each receiver's sweep does: tell the sender what it settled; the sender's worker
    records it."""
    for receiver in receivers:
        endpoint_for(receiver).receiver.confirm_settled()
    worker_runs(sender)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """What runs inside it hands its messages to the broker as a commit would: the test's own
    transaction never commits."""

    @contextmanager
    def every_quantum() -> Iterator[None]:
        with ExitStack() as stack:
            for quantum in settings.QUANTA:
                stack.enter_context(django_capture_on_commit_callbacks(using=quantum, execute=True))
            yield

    return every_quantum


@pytest.fixture
def worker_runs(worker_runs, committing):
    """A worker's run whose transactions commit, handing over what its handlers published."""

    def run(queue: str) -> list[str]:
        with committing():
            return worker_runs(queue)

    return run


@pytest.fixture
def submitted(api, committing):
    """A ticket submitted through the API: its id and the request's correlation id."""

    def submit() -> tuple[uuid.UUID, uuid.UUID]:
        with committing():
            response = api.post(
                TICKETS,
                {"title": "Tablet will not charge", "device_category": "tablet"},
                format="json",
            )
        assert response.status_code == 201, response.content
        return uuid.UUID(response.data["id"]), uuid.UUID(response["X-Correlation-ID"])

    return submit


@pytest.fixture
def ticket_across_quanta(submitted, worker_runs):
    """The ticket handled by ticketing, its lifecycle step by analytics, each confirmed."""
    ticket_id, correlation_id = submitted()
    worker_runs("ticketing")
    worker_runs("analytics")
    _confirmations_sent(worker_runs, receivers=["analytics"], sender="ticketing")
    _confirmations_sent(worker_runs, receivers=["ticketing"], sender="customer")
    return ticket_id, correlation_id


def test_a_tickets_trace_follows_it_through_every_quantum_in_order(ticket_across_quanta):
    ticket_id, correlation_id = ticket_across_quanta

    trace = message_trace(subject=ticket_id)

    assert trace.correlation_ids == [correlation_id]
    assert _steps(trace) == [
        ("TicketCreated", HopKind.STORED, "customer", "customer"),
        ("TicketCreated", HopKind.HANDED_OVER, "customer", BROKER),
        ("TicketCreated", HopKind.RECEIVED, BROKER, "ticketing"),
        ("TicketLifecycleRecorded", HopKind.STORED, "ticketing", "ticketing"),
        ("TicketLifecycleRecorded", HopKind.HANDED_OVER, "ticketing", BROKER),
        ("TicketCreated", HopKind.APPLIED, "ticketing", "ticketing"),
        ("TicketLifecycleRecorded", HopKind.RECEIVED, BROKER, "analytics"),
        ("TicketLifecycleRecorded", HopKind.APPLIED, "analytics", "analytics"),
        ("TicketLifecycleRecorded", HopKind.CONFIRMED, "analytics", "ticketing"),
        ("TicketCreated", HopKind.CONFIRMED, "ticketing", "customer"),
    ]
    timed = [hop.at for hop in trace.hops if hop.at is not None]
    assert timed == sorted(timed)
    assert [hop.detail for hop in trace.hops if hop.kind == HopKind.HANDED_OVER] == [
        "at commit"
    ] * 2
    assert trace.lifelines == ["customer", "ticketing", BROKER, "analytics"]


def test_a_later_operation_on_the_ticket_is_traced_with_it(ticket_across_quanta, committing):
    ticket_id, submission = ticket_across_quanta
    # As the assignment job publishes: outside any request, so a correlation id of its own.
    with committing():
        assigned = endpoint_for("ticketing").publish(
            TicketStatusChanged(
                ticket_id=ticket_id, sequence=1, status="assigned", changed_at=timezone.now()
            )
        )

    trace = message_trace(subject=ticket_id)

    assert set(trace.correlation_ids) == {submission, assigned}
    assert _steps(trace)[-2:] == [
        ("TicketStatusChanged", HopKind.STORED, "ticketing", "ticketing"),
        ("TicketStatusChanged", HopKind.HANDED_OVER, "ticketing", BROKER),
    ]
    assert "customer" in trace.lifelines


def test_the_correlation_id_and_a_message_id_give_the_same_trace(ticket_across_quanta):
    ticket_id, correlation_id = ticket_across_quanta
    by_ticket = message_trace(subject=ticket_id)
    a_message = by_ticket.hops[-1].message_id

    assert message_trace(subject=correlation_id).hops == by_ticket.hops
    assert message_trace(subject=a_message).hops == by_ticket.hops


def test_a_message_not_yet_handled_shows_only_its_senders_hops(submitted):
    ticket_id, _ = submitted()

    assert _steps(message_trace(subject=ticket_id)) == [
        ("TicketCreated", HopKind.STORED, "customer", "customer"),
        ("TicketCreated", HopKind.HANDED_OVER, "customer", BROKER),
    ]


def test_a_broker_refusal_and_the_sweeps_hand_over_are_shown(submitted, broker):
    broker.refuse()
    ticket_id, _ = submitted()
    refused = message_trace(subject=ticket_id)
    broker.accept()
    endpoint_for("customer").sender.sweep()

    handed = message_trace(subject=ticket_id)

    assert refused.hops[1].kind == HopKind.REFUSED
    assert refused.hops[1].at is None
    assert "1 time(s): ConnectionRefusedError" in refused.hops[1].detail
    assert handed.hops[1].kind == HopKind.HANDED_OVER
    assert handed.hops[1].at is not None
    assert handed.hops[1].detail == "by the sweep, hand-over 2"


def test_a_copy_delivered_after_the_message_was_applied_is_shown_ignored(
    submitted, broker, worker_runs
):
    ticket_id, _ = submitted()
    (task,) = broker.queued("ticketing")
    worker_runs("ticketing")
    broker.put("ticketing", task)
    worker_runs("ticketing")

    hops = [
        hop for hop in message_trace(subject=ticket_id).hops if hop.message_type == "TicketCreated"
    ]

    assert [hop.kind for hop in hops][-2:] == [HopKind.APPLIED, HopKind.RETRIED]
    assert (hops[-1].at, hops[-1].detail) == (None, "1 more time(s), the copies ignored")


def test_retries_the_burial_and_the_replay_are_on_the_timeline(
    settings, monkeypatch, submitted, broker, worker_runs, admin_client
):
    settings.MESSAGING_MAX_DELIVERIES = 3
    real_ticketing = kernel._endpoints["ticketing"]
    monkeypatch.setitem(
        kernel._endpoints,
        "ticketing",
        kernel.Endpoint(
            app_label="ticketing",
            handlers={TicketCreated: always_fails, TicketCreatedV2: always_fails},
        ),
    )
    ticket_id, _ = submitted()
    (queued,) = broker.queued("ticketing")
    broker.empty("ticketing")
    # Run as Celery would, its retries included (a worker's run stops at the first retry).
    deliver.apply(args=_task_arguments(queued))

    buried = message_trace(subject=ticket_id)

    assert _steps(buried)[2:] == [
        ("TicketCreated", HopKind.RECEIVED, BROKER, "ticketing"),
        ("TicketCreated", HopKind.RETRIED, BROKER, "ticketing"),
        ("TicketCreated", HopKind.DEAD_LETTERED, "ticketing", "ticketing"),
    ]
    assert buried.hops[3].detail.startswith("3 deliveries in all; last error: ")
    assert "InjectedFault" in buried.hops[4].detail

    monkeypatch.setitem(kernel._endpoints, "ticketing", real_ticketing)
    letter = DeadLetter.objects.using("ticketing").get()
    admin_client.post("/operations/dead-letters/", {"letters": [f"ticketing:{letter.pk}"]})
    worker_runs("ticketing")

    replayed = message_trace(subject=ticket_id)

    # The letter left dead letters when its replay applied it: the replay stays on the timeline.
    assert _steps(replayed)[3:] == [
        ("TicketCreated", HopKind.RETRIED, BROKER, "ticketing"),
        ("TicketCreated", HopKind.REPLAY_REQUESTED, "ticketing", "ticketing"),
        ("TicketLifecycleRecorded", HopKind.STORED, "ticketing", "ticketing"),
        ("TicketLifecycleRecorded", HopKind.HANDED_OVER, "ticketing", BROKER),
        ("TicketCreated", HopKind.APPLIED, "ticketing", "ticketing"),
        ("TicketCreated", HopKind.REPLAY_RAN, "ticketing", "ticketing"),
    ]
    assert replayed.hops[4].detail == "by admin"
    assert [hop.detail for hop in replayed.hops if hop.kind == HopKind.REPLAY_RAN] == ["replayed"]


def _task_arguments(queued: str) -> list:
    args, _, _ = json.loads(base64.b64decode(json.loads(queued)["body"]))
    return args


@pytest.mark.parametrize("text", ["42", "not-an-id", "", "3f2b9c1e"])
def test_a_malformed_id_is_refused_in_one_line(text):
    with pytest.raises(NothingToTrace) as refused:
        subject_parsed(text)

    assert "is not an id" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_an_id_no_message_names_is_said_so():
    subject = uuid.uuid4()

    with pytest.raises(NothingToTrace, match=f"^no message names {subject}$"):
        message_trace(subject=subject)


def test_the_command_prints_the_timeline(ticket_across_quanta, capsys):
    ticket_id, _ = ticket_across_quanta

    call_command("trace", str(ticket_id))

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{ticket_id}: 2 message(s) in 1 operation(s), from ")
    assert lines[1].split() == ["time", "since", "first", "where", "message", "hop"]
    assert lines[3].startswith("not timed ") and "customer → broker" in lines[3]
    assert re.search(r" ticketing → customer +TicketCreated +confirmed to the sender$", lines[-1])
    assert len(lines) == 2 + 10


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ("ticket-7", "'ticket-7' is not an id"),
        ("0d7f4f5e-8f5a-4d1e-9c36-6f1f0d3b2a10", "no message names 0d7f4f5e"),
    ],
)
def test_the_command_refuses_in_one_line_and_exits_non_zero(argument, problem):
    with pytest.raises(CommandError) as refused:
        call_command("trace", argument)

    assert str(refused.value).startswith(problem)
    assert "\n" not in str(refused.value)
