"""Surveys (UC-4): a completed ticket invites its customer once; the signed link opens a survey
page that takes one answer, sent to analytics as SurveySubmitted and never kept in the customer
database. Forged, foreign, reused and expired links are refused and change nothing."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from customer_quantum.endpoint import endpoint
from customer_quantum.models import SurveyInvitation
from customer_quantum.services.surveys import (
    LINK_SALT,
    SurveyAlreadyAnswered,
    survey_invitation_create,
    survey_link,
    survey_path,
    survey_submit,
)
from message_contracts.notifications import NotificationRequested
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import CustomerFactory, TicketFactory
from tests.customer_quantum.test_ticket_status import envelope

pytestmark = pytest.mark.django_db(databases="__all__")

ANSWER = {"rating": 4, "comment": "Quick and kind, thank you Ada.", "expert_on_time": True}


@pytest.fixture
def ticket(customer):
    return TicketFactory(customer=customer, title="Laptop does not boot")


@pytest.fixture
def invitation(ticket):
    return survey_invitation_create(ticket=ticket)


@pytest.fixture
def portal(client, customer_user):
    client.force_login(customer_user)
    return client


def survey_invitations_requested() -> list[dict]:
    return [
        row.payload
        for row in OutboxMessage.objects.using("customer").filter(type="NotificationRequested")
        if row.payload["notification_type"] == "survey_invited"
    ]


def surveys_sent() -> list[dict]:
    return [
        row.payload
        for row in OutboxMessage.objects.using("customer").filter(type="SurveySubmitted")
    ]


def nothing_changed(invitation: SurveyInvitation, outbox_before: int) -> bool:
    invitation.refresh_from_db()
    return (
        invitation.used_at is None
        and OutboxMessage.objects.using("customer").count() == outbox_before
    )


def expired(invitation: SurveyInvitation) -> SurveyInvitation:
    now = timezone.now()
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        created_at=now - timedelta(days=15), expires_at=now - timedelta(minutes=1)
    )
    invitation.refresh_from_db()
    return invitation


# --- The invitation ------------------------------------------------------------------------------


def test_a_completed_ticket_invites_its_customer_once_whatever_arrives_twice(ticket, customer):
    completed = envelope(ticket.id, 4, "completed")
    endpoint.receive(completed)
    endpoint.receive(completed)  # the same message again: the inbox absorbs it
    endpoint.receive(envelope(ticket.id, 4, "completed"))  # a copy under another message id
    endpoint.receive(envelope(ticket.id, 5, "completed"))  # a completion told a second time

    invitation = SurveyInvitation.objects.get()
    assert (invitation.ticket, invitation.customer, invitation.used_at) == (ticket, customer, None)
    [request] = survey_invitations_requested()
    assert request["recipient"]["email"] == customer.email
    assert request["reference"] == str(ticket.id)
    assert request["context"]["title"] == "Laptop does not boot"
    assert request["context"]["link"] == settings.PORTAL_BASE_URL + survey_path(invitation)
    assert request["context"]["expires_on"] == f"{invitation.expires_at:%Y-%m-%d}"


@pytest.mark.parametrize("status", ["assigned", "accepted", "in_progress"])
def test_a_ticket_not_completed_invites_nobody(ticket, status):
    endpoint.receive(envelope(ticket.id, 1, status))

    assert not SurveyInvitation.objects.exists()
    assert survey_invitations_requested() == []


def test_the_link_works_for_the_days_configured(ticket, settings):
    settings.SURVEY_LINK_MAX_AGE_DAYS = 3
    before = timezone.now()

    invitation = survey_invitation_create(ticket=ticket)

    assert before + timedelta(days=3) <= invitation.expires_at <= timezone.now() + timedelta(days=3)


def test_the_link_is_never_mistaken_for_a_card_number(ticket):
    """A notification's fields are scanned for card-number-like digits, which are masked: an id
    whose digits pass the Luhn check would break a link that carried it bare."""
    invitation = SurveyInvitation.objects.create(
        id=uuid.UUID("42424242-4242-4242-4242-424242424242"),
        ticket=ticket,
        customer=ticket.customer,
        expires_at=timezone.now() + timedelta(days=1),
    )

    def as_notified(link: str) -> str:
        return NotificationRequested(
            recipient={"name": "Alice", "email": "alice@example.com"},
            channel="email",
            notification_type="survey_invited",
            context={"link": link},
            reference=str(ticket.id),
            requested_at=timezone.now(),
        ).context["link"]

    assert as_notified(f"/surveys/{invitation.id}/") != f"/surveys/{invitation.id}/"
    assert as_notified(survey_link(invitation)) == survey_link(invitation)


# --- The survey page ------------------------------------------------------------------------------


def test_the_link_asks_for_a_login_then_brings_the_customer_back(client, invitation):
    path = survey_path(invitation)

    response = client.get(path)

    assert response.status_code == 302
    login = response.url
    assert login.startswith("/accounts/login/?next=")
    back = client.post(
        login,
        {
            "username": get_user_model().objects.get(pk=invitation.customer.user_id).username,
            "password": "correct horse battery staple",
            "next": path,
        },
    )
    assert back.status_code == 302 and back.url == path
    assert client.get(path).status_code == 200


def test_the_page_asks_the_questions_of_the_ticket(portal, invitation):
    response = portal.get(survey_path(invitation))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Laptop does not boot" in page
    assert "<legend>How did we do? (1 = poor, 5 = excellent)</legend>" in page
    assert '<label for="id_comment">' in page
    assert "Did the expert arrive on time? (optional)" in page


def test_answering_sends_the_survey_to_analytics_and_uses_the_invitation(
    portal, invitation, customer
):
    response = portal.post(
        survey_path(invitation),
        {"rating": "4", "comment": ANSWER["comment"], "expert_on_time": "yes"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/tickets/{invitation.ticket_id}/", 302)]
    assert "Thank you for answering our survey." in response.content.decode()
    [sent] = surveys_sent()
    assert sent | {"submitted_at": None} == {
        "survey_id": str(invitation.id),
        "ticket_id": str(invitation.ticket_id),
        "customer_id": customer.id,
        "rating": 4,
        "comment": ANSWER["comment"],
        "expert_on_time": True,
        "would_recommend": None,
        "submitted_at": None,
    }
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert (
        OutboxMessage.objects.using("customer").get(type="SurveySubmitted").receiver == "analytics"
    )


def test_the_answer_is_not_kept_in_the_customer_database(portal, invitation):
    """Only the outbox holds it, as the message in transit to analytics (pruned once confirmed)."""
    portal.post(survey_path(invitation), {"rating": "2", "comment": ANSWER["comment"]})

    connection = connections["customer"]
    holding = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            if any(ANSWER["comment"] in str(row) for row in cursor.fetchall()):
                holding.add(table)
    assert holding == {OutboxMessage._meta.db_table}


def test_a_used_link_is_refused_clearly_and_sends_nothing_more(portal, invitation):
    portal.post(survey_path(invitation), {"rating": "5"})
    outbox_before = OutboxMessage.objects.using("customer").count()

    shown = portal.get(survey_path(invitation))
    again = portal.post(survey_path(invitation), {"rating": "1"})

    assert shown.status_code == again.status_code == 409
    assert "You have already answered this survey" in again.content.decode()
    assert [sent["rating"] for sent in surveys_sent()] == [5]
    assert OutboxMessage.objects.using("customer").count() == outbox_before


def test_an_expired_link_is_refused_clearly_and_stores_nothing(portal, invitation):
    expired(invitation)
    outbox_before = OutboxMessage.objects.using("customer").count()

    shown = portal.get(survey_path(invitation))
    sent = portal.post(survey_path(invitation), {"rating": "5"})

    assert shown.status_code == sent.status_code == 410
    assert f"This survey closed on {invitation.expires_at:%Y-%m-%d}." in sent.content.decode()
    assert nothing_changed(invitation, outbox_before)


def forged_links(invitation: SurveyInvitation) -> list[str]:
    path = survey_path(invitation)
    token = path.rstrip("/").rsplit("/", 1)[1]
    payload, signature = token.rsplit(":", 1)
    return [
        f"/surveys/{payload}:{signature[::-1]}/",  # the signature tampered with
        f"/surveys/{payload}/",  # no signature at all
        f"/surveys/{signing.Signer(salt='another-salt').sign_object(str(invitation.id))}/",
        f"/surveys/{signing.Signer(salt=LINK_SALT).sign_object('not a uuid')}/",
        "/surveys/hello/",
    ]


def test_a_forged_link_is_a_clear_404_and_stores_nothing(portal, invitation):
    outbox_before = OutboxMessage.objects.using("customer").count()

    for link in forged_links(invitation):
        shown = portal.get(link)
        sent = portal.post(link, {"rating": "5"})

        assert shown.status_code == sent.status_code == 404, link
        assert "This survey link is not valid" in sent.content.decode()
    assert nothing_changed(invitation, outbox_before)


def test_a_link_to_an_unknown_survey_is_a_404(portal):
    link = reverse(
        "portal:survey", args=[signing.Signer(salt=LINK_SALT).sign_object(str(uuid.uuid4()))]
    )

    assert portal.get(link).status_code == 404


def test_another_customers_link_is_a_404_that_tells_nothing(client, invitation):
    outbox_before = OutboxMessage.objects.using("customer").count()
    stranger = CustomerFactory()
    client.force_login(get_user_model().objects.get(pk=stranger.user_id))

    shown = client.get(survey_path(invitation))
    sent = client.post(survey_path(invitation), {"rating": "1", "comment": "Sabotage"})

    assert shown.status_code == sent.status_code == 404
    assert "Laptop does not boot" not in sent.content.decode()
    assert "This survey link is not valid" in sent.content.decode()
    assert nothing_changed(invitation, outbox_before)


def test_staff_are_told_the_page_is_for_customers(admin_client, invitation):
    response = admin_client.get(survey_path(invitation))

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("answer", "field", "message"),
    [
        ({}, "rating", "Choose a rating from 1 to 5."),
        ({"rating": "0"}, "rating", "Select a valid choice."),
        ({"rating": "6"}, "rating", "Select a valid choice."),
        ({"rating": "four"}, "rating", "Select a valid choice."),
        ({"rating": "4", "expert_on_time": "maybe"}, "expert_on_time", "Select a valid choice."),
        ({"rating": "4", "comment": "x" * 2001}, "comment", "at most 2000 characters"),
        ({"rating": "4", "comment": "a\x00b"}, "comment", "Null characters are not allowed."),
    ],
)
def test_a_bad_answer_is_a_400_next_to_its_field_keeping_what_was_typed(
    portal, invitation, answer, field, message
):
    outbox_before = OutboxMessage.objects.using("customer").count()
    typed = {"comment": "The expert was great", "would_recommend": "no"} | answer

    response = portal.post(survey_path(invitation), typed)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    if field != "comment":
        assert "The expert was great</textarea>" in page
    assert 'value="no" id="id_would_recommend_1" checked' in page
    assert nothing_changed(invitation, outbox_before)


def test_the_ticket_page_offers_the_survey_while_it_is_open(portal, invitation):
    page = portal.get(f"/tickets/{invitation.ticket_id}/").content.decode()
    assert f'<a href="{survey_path(invitation)}">Answer the survey</a>' in page

    survey_submit(invitation=invitation, rating=3)

    page = portal.get(f"/tickets/{invitation.ticket_id}/").content.decode()
    assert "Answer the survey" not in page


def test_the_ticket_page_does_not_offer_an_expired_survey(portal, invitation):
    expired(invitation)

    page = portal.get(f"/tickets/{invitation.ticket_id}/").content.decode()

    assert "Answer the survey" not in page


def test_a_survey_is_answered_once_even_through_the_service(invitation):
    survey_submit(invitation=invitation, rating=5)
    stale_copy = SurveyInvitation.objects.get(pk=invitation.pk)
    stale_copy.used_at = None  # as read by a second request before the first one committed

    with pytest.raises(SurveyAlreadyAnswered):
        survey_submit(invitation=stale_copy, rating=1)

    assert [sent["rating"] for sent in surveys_sent()] == [5]


# --- The API -------------------------------------------------------------------------------------


def api_survey(ticket_id) -> str:
    return f"/api/customer/tickets/{ticket_id}/survey/"


def test_the_api_takes_one_answer_and_sends_it(api, invitation, customer):
    response = api.post(api_survey(invitation.ticket_id), ANSWER, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["survey_id"], body["rating"], body["would_recommend"]) == (
        str(invitation.id),
        4,
        None,
    )
    [sent] = surveys_sent()
    assert (sent["customer_id"], sent["comment"], sent["expert_on_time"]) == (
        customer.id,
        ANSWER["comment"],
        True,
    )
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_the_api_refuses_a_second_answer_with_a_409(api, invitation):
    api.post(api_survey(invitation.ticket_id), {"rating": 5}, format="json")
    outbox_before = OutboxMessage.objects.using("customer").count()

    response = api.post(api_survey(invitation.ticket_id), {"rating": 1}, format="json")

    assert response.status_code == 409
    assert "already answered" in response.json()["detail"]
    assert OutboxMessage.objects.using("customer").count() == outbox_before


def test_the_api_refuses_an_expired_survey_with_a_410(api, invitation):
    expired(invitation)
    outbox_before = OutboxMessage.objects.using("customer").count()

    response = api.post(api_survey(invitation.ticket_id), {"rating": 5}, format="json")

    assert response.status_code == 410
    assert "closed on" in response.json()["detail"]
    assert nothing_changed(invitation, outbox_before)


@pytest.mark.parametrize("whose", ["another customer's", "unknown", "not completed"])
def test_the_api_answers_404_when_the_customer_has_no_such_survey(api, customer, whose):
    theirs = survey_invitation_create(ticket=TicketFactory(title="Their secret fridge"))
    outbox_before = OutboxMessage.objects.using("customer").count()
    ticket_id = {
        "another customer's": theirs.ticket_id,
        "unknown": uuid.uuid4(),
        "not completed": TicketFactory(customer=customer).id,
    }[whose]

    response = api.post(api_survey(ticket_id), {"rating": 5}, format="json")

    assert response.status_code == 404
    assert "Their secret fridge" not in response.content.decode()
    assert nothing_changed(theirs, outbox_before)


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": -1}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": None}, "rating"),
        ({}, "rating"),
        ({"rating": 4, "comment": 12}, "comment"),
        ({"rating": 4, "comment": "x" * 2001}, "comment"),
        ({"rating": 4, "expert_on_time": "yes"}, "expert_on_time"),
        ({"rating": 4, "expert_on_time": 1}, "expert_on_time"),
        ({"rating": 4, "would_recommend": "true"}, "would_recommend"),
        ({"rating": 4, "would_recommend": [True]}, "would_recommend"),
    ],
)
def test_bad_api_input_is_a_400_naming_the_field_and_nothing_is_stored(
    api, invitation, answer, field
):
    outbox_before = OutboxMessage.objects.using("customer").count()

    response = api.post(api_survey(invitation.ticket_id), answer, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert nothing_changed(invitation, outbox_before)


def test_an_anonymous_caller_cannot_answer(invitation):
    outbox_before = OutboxMessage.objects.using("customer").count()

    response = APIClient().post(api_survey(invitation.ticket_id), {"rating": 5}, format="json")

    assert response.status_code in (401, 403)
    assert nothing_changed(invitation, outbox_before)


def test_the_schema_documents_the_survey_and_its_refusals(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/customer/tickets/{id}/survey/"]["post"]
    assert {"201", "400", "404", "409", "410"} <= set(operation["responses"])
    answer = schema["components"]["schemas"]["SurveyAnswerRequest"]
    assert answer["required"] == ["rating"]
    assert (
        answer["properties"]["rating"]["minimum"],
        answer["properties"]["rating"]["maximum"],
    ) == (
        1,
        5,
    )


def test_answering_touches_only_the_customer_and_identity_databases(customer_user, invitation):
    """A customer-facing request must succeed while the broker and every other quantum are down, so
    answering a survey uses no database but the customer's and identity's."""
    client = Client()
    client.force_login(customer_user)
    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in settings.DATABASES}
    for context in captured.values():
        context.__enter__()
    try:
        response = client.post(
            api_survey(invitation.ticket_id), {"rating": 5}, content_type="application/json"
        )
    finally:
        for context in captured.values():
            context.__exit__(None, None, None)

    assert response.status_code == 201
    touched = {alias for alias, context in captured.items() if context.captured_queries}
    assert touched == {"default", "customer"}


# --- Admin ---------------------------------------------------------------------------------------


def test_staff_find_invitations_and_cannot_change_them(admin_client, invitation):
    listed = admin_client.get(
        reverse("admin:customer_quantum_surveyinvitation_changelist"),
        {"q": "Laptop does not boot", "used_at__isempty": "1"},
    )

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [invitation]
    assert (
        admin_client.get(reverse("admin:customer_quantum_surveyinvitation_add")).status_code == 403
    )
    change = reverse("admin:customer_quantum_surveyinvitation_change", args=[invitation.pk])
    assert admin_client.post(change, {"used_at_0": "2026-01-01"}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.used_at is None
