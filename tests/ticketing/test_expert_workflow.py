"""Experts work their assignments through the mobile app's API; each step is told to the customer."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from config.api_pagination import PAGE_SIZE
from messaging.models import OutboxMessage
from tests.ticketing.factories import ExpertFactory, TicketFactory
from ticketing.jobs import tickets_assign
from ticketing.models import Assignment, Expert, Ticket

pytestmark = pytest.mark.django_db(databases=["default", "ticketing"])

ASSIGNMENTS = "/api/ticketing/assignments/"


def client_of(expert: Expert) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=expert.user_id))
    return client


@pytest.fixture
def make_expert():
    def make(**fields) -> Expert:
        user = get_user_model().objects.create_user(username=f"expert{Expert.objects.count()}")
        return ExpertFactory(user_id=user.id, **fields)

    return make


@pytest.fixture
def expert(make_expert):
    return make_expert(name="Ada Expert")


@pytest.fixture
def assignment(expert) -> Assignment:
    TicketFactory()
    tickets_assign()
    return Assignment.objects.get()


def step(expert: Expert, assignment: Assignment, name: str, **data):
    return client_of(expert).post(f"{ASSIGNMENTS}{assignment.pk}/{name}/", data, format="json")


def statuses_told() -> list[tuple[int, str]]:
    return [
        (message.payload["sequence"], message.payload["status"])
        for message in OutboxMessage.objects.using("ticketing")
        .filter(receiver="customer")
        .order_by("created_at")
    ]


def test_an_expert_lists_only_their_own_assignments(assignment, expert, make_expert):
    other = make_expert()

    mine = client_of(expert).get(ASSIGNMENTS)
    theirs = client_of(other).get(ASSIGNMENTS)

    assert [a["id"] for a in mine.json()["results"]] == [assignment.pk]
    assert mine.json()["results"][0]["ticket_id"] == str(assignment.ticket_id)
    assert theirs.json()["results"] == []


def test_accept_start_complete_moves_the_ticket_on_and_frees_the_experts_place(assignment, expert):
    assert step(expert, assignment, "accept").status_code == 200
    assert step(expert, assignment, "start").status_code == 200
    done = step(expert, assignment, "complete", resolution_notes="Replaced the screen.")

    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert done.json()["resolution_notes"] == "Replaced the screen."
    assert Ticket.objects.get().status == Ticket.Status.COMPLETED
    assert statuses_told() == [
        (1, "assigned"),
        (2, "accepted"),
        (3, "in_progress"),
        (4, "completed"),
    ]
    expert.refresh_from_db()
    assert expert.open_assignments == 0


def test_a_rejected_ticket_is_queued_again_and_never_offered_to_the_same_expert(
    assignment, expert, make_expert
):
    rejected = step(expert, assignment, "reject", reason="No parts for this model.")

    assert rejected.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.REJECTED
    expert.refresh_from_db()
    assert expert.open_assignments == 0

    # Alone, the expert who declined is never offered it again: the ticket waits.
    assert tickets_assign().assigned == 0
    colleague = make_expert(name="Colleague")
    assert tickets_assign().assigned == 1

    history = list(Assignment.objects.filter(ticket=ticket).order_by("assigned_at"))
    assert [(a.expert, a.status) for a in history] == [
        (expert, "rejected"),
        (colleague, "assigned"),
    ]
    assert history[0].rejection_reason == "No parts for this model."
    assert statuses_told() == [(1, "assigned"), (2, "queued"), (3, "assigned")]


def nothing_changed(assignment: Assignment, before: list) -> bool:
    fresh = Assignment.objects.get(pk=assignment.pk)
    return fresh.status == assignment.status and statuses_told() == before


def test_completing_an_assignment_never_accepted_is_a_conflict(assignment, expert):
    before = statuses_told()

    response = step(expert, assignment, "complete", resolution_notes="Done.")

    assert response.status_code == 409
    assert "assigned" in response.json()["detail"]
    assert nothing_changed(assignment, before)


def test_another_experts_or_an_unknown_assignment_is_not_found(assignment, make_expert):
    other = make_expert()
    before = statuses_told()

    theirs = step(other, assignment, "accept")
    unknown = client_of(other).post(f"{ASSIGNMENTS}999999/accept/")

    assert (theirs.status_code, unknown.status_code) == (404, 404)
    assert nothing_changed(assignment, before)


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("reject", {}, "reason"),
        ("reject", {"reason": "   "}, "reason"),
    ],
)
def test_a_rejection_without_a_reason_is_refused(assignment, expert, name, data, field):
    before = statuses_told()

    response = step(expert, assignment, name, **data)

    assert response.status_code == 400
    assert field in response.json()
    assert nothing_changed(assignment, before)


def test_a_completion_without_resolution_notes_is_refused(assignment, expert):
    step(expert, assignment, "accept")
    step(expert, assignment, "start")
    assignment.refresh_from_db()
    before = statuses_told()

    response = step(expert, assignment, "complete", resolution_notes="")

    assert response.status_code == 400
    assert "resolution_notes" in response.json()
    assert nothing_changed(assignment, before)


def test_a_user_who_is_not_an_expert_is_refused(assignment):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user(username="customer"))

    assert client.get(ASSIGNMENTS).status_code == 403
    assert APIClient().get(ASSIGNMENTS).status_code in {401, 403}


def test_the_assignment_list_comes_in_pages_newest_first(expert):
    now = timezone.now()
    offered = [
        Assignment.objects.create(
            ticket=TicketFactory(),
            expert=expert,
            status="completed",
            assigned_at=now - timedelta(hours=n),
            expected_arrival=now,
        ).pk
        for n in range(PAGE_SIZE + 3)
    ]
    api = client_of(expert)

    first = api.get(ASSIGNMENTS).json()
    second = api.get(first["next"]).json()

    assert [a["id"] for a in first["results"] + second["results"]] == offered
    assert (len(first["results"]), second["next"]) == (PAGE_SIZE, None)
