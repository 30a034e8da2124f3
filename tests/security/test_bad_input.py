"""Bad input to every API endpoint: a 4xx saying what is wrong, never a 500, and nothing stored. Unknown fields are ignored (DRF's rule, kept everywhere): they are never
stored, and read-only fields such as a ticket's status or id cannot be set by sending them."""

import json
import uuid
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from config.api_parsers import MAX_DEPTH, TOO_DEEP
from customer_quantum.models import CardSummary, Customer, SupportPlan, SurveyInvitation, Ticket
from customer_quantum.services.surveys import survey_invitation_create
from identity.services import api_token_issue
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import TicketFactory
from ticketing.models import Article

pytestmark = pytest.mark.django_db(databases="__all__")

# The customer's completed ticket whose survey is open (see `open_survey`).
SURVEY_TICKET = uuid.UUID("5e1f0c1e-0000-4000-8000-000000000004")

ENDPOINTS = {
    "ticket": (
        "post",
        "/api/customer/tickets/",
        {
            "title": "Laptop is dead",
            "description": "Since Monday.",
            "device_category": "computer",
            "priority": "high",
        },
    ),
    "registration": (
        "post",
        "/api/customer/register/",
        {
            "username": "newcomer",
            "password": "a long pass phrase 42",
            "name": "New Comer",
            "email": "new@example.com",
        },
    ),
    "profile": (
        "patch",
        "/api/customer/profile/",
        {"name": "Alice M.", "phone": "+1 555 0100", "address": "1 Main St"},
    ),
    "plan": ("post", "/api/customer/plan/", {"contract_code": "standard"}),
    "card": (
        "post",
        "/api/customer/cards/",
        {
            "number": "4242 4242 4242 4242",
            "expiry_month": 12,
            "expiry_year": 2040,
            "cvc": "123",
            "holder_name": "Alice Martin",
        },
    ),
    "survey": (
        "post",
        f"/api/customer/tickets/{SURVEY_TICKET}/survey/",
        {
            "rating": 4,
            "comment": "Quick and kind.",
            "expert_on_time": True,
            "would_recommend": False,
        },
    ),
}
# Chosen from a list: a NUL there is simply not one of the choices.
CHOICE_FIELDS = {"device_category", "priority"}
STRING_FIELDS = {
    name: [field for field, value in body.items() if isinstance(value, str)]
    for name, (_, _, body) in ENDPOINTS.items()
}
WRONG_TYPES = [["a list"], {"an": "object"}, True, None, 12]
# Every operation the API documents: a new one is covered the day it is added.
OPERATIONS = [
    pytest.param(method, path, "requestBody" in operation, id=f"{method} {path}")
    for path, operations in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method, operation in operations.items()
]


@pytest.fixture(autouse=True)
def open_survey(customer):
    return survey_invitation_create(ticket=TicketFactory(id=SURVEY_TICKET, customer=customer))


def stored(customer) -> dict:
    """Everything a request could have written: compared before and after."""
    customer.refresh_from_db()
    return {
        "users": get_user_model().objects.count(),
        "customers": Customer.objects.count(),
        "tickets": Ticket.objects.count(),
        "cards": CardSummary.objects.count(),
        "plans": SupportPlan.objects.count(),
        "outbox": OutboxMessage.objects.using("customer").count(),
        "surveys answered": SurveyInvitation.objects.filter(used_at__isnull=False).count(),
        "profile": (customer.name, customer.email, customer.phone, customer.address),
    }


def send(api, endpoint: str, body) -> object:
    method, url, _ = ENDPOINTS[endpoint]
    return getattr(api, method)(url, body, format="json")


def send_raw(api, endpoint: str, raw: bytes) -> object:
    method, url, _ = ENDPOINTS[endpoint]
    return getattr(api, method)(url, raw, content_type="application/json")


def signed_in_for(path: str, customer_user, expert_user) -> APIClient:
    """Signed in with a real API token, as the apps are: the logouts act on the token itself."""
    user = expert_user if path.startswith("/api/ticketing/") else customer_user
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)[1]}")
    return client


def url_of(path: str, assignment, article) -> str:
    """The operation's URL for one of the caller's own objects, so the view gets to read the body."""
    if "assignments" in path:
        return path.format(id=assignment.pk)
    return path.format(id=article.pk if "articles" in path else SURVEY_TICKET)


def field_cases():
    for endpoint, fields in STRING_FIELDS.items():
        for field in fields:
            for wrong in WRONG_TYPES:
                yield pytest.param(endpoint, field, wrong, id=f"{endpoint}-{field}-{wrong!r}")
    for field in ("expiry_month", "expiry_year"):
        for wrong in ["12", 12.5, True, None, [12]]:
            yield pytest.param("card", field, wrong, id=f"card-{field}-{wrong!r}")
    for wrong in ["4", 4.5, True, None, [4], 0, 6, -1, 10**20]:
        yield pytest.param("survey", "rating", wrong, id=f"survey-rating-{wrong!r}")
    for field in ("expert_on_time", "would_recommend"):
        for wrong in ["yes", "true", 1, 0, [True], {"an": "object"}]:
            yield pytest.param("survey", field, wrong, id=f"survey-{field}-{wrong!r}")


@pytest.mark.parametrize(("endpoint", "field", "wrong"), list(field_cases()))
def test_a_wrong_type_is_a_400_naming_the_field_and_nothing_is_stored(
    api, customer, contract, endpoint, field, wrong
):
    before = stored(customer)

    response = send(api, endpoint, {**ENDPOINTS[endpoint][2], field: wrong})

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert stored(customer) == before


@pytest.mark.parametrize(
    ("endpoint", "required"),
    [
        ("ticket", {"title", "device_category"}),
        ("registration", {"username", "password", "name", "email"}),
        ("plan", {"contract_code"}),
        ("card", {"number", "expiry_month", "expiry_year", "cvc", "holder_name"}),
        ("survey", {"rating"}),
    ],
)
def test_missing_fields_are_each_named_and_nothing_is_stored(api, customer, endpoint, required):
    before = stored(customer)

    response = send(api, endpoint, {})

    assert response.status_code == 400
    assert set(response.json()) == required
    assert stored(customer) == before


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b"{not json", b'{"a": NaN}'])
def test_a_body_that_is_not_a_json_object_is_a_400(api, customer, endpoint, body):
    before = stored(customer)

    response = send_raw(api, endpoint, body)

    assert response.status_code == 400
    assert response.json()
    assert stored(customer) == before


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_huge_body_is_a_413(api, customer, settings, endpoint):
    before = stored(customer)
    body = {**ENDPOINTS[endpoint][2], "description": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}

    response = send(api, endpoint, body)

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert stored(customer) == before


@pytest.mark.parametrize("encoding", ["multipart", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize(
    ("method", "path", "takes_a_body"), [op for op in OPERATIONS if op.values[2]]
)
def test_a_form_body_is_a_415_the_api_takes_json(
    customer, customer_user, expert_user, assignment, article, method, path, takes_a_body, encoding
):
    client = signed_in_for(path, customer_user, expert_user)
    form = {"title": "Laptop is dead", "username": "alice", "password": "a long pass phrase 42"}
    before = stored(customer), assignment.status, article.body

    if encoding == "multipart":
        response = client.generic(
            method.upper(),
            url_of(path, assignment, article),
            encode_multipart(BOUNDARY, form),
            content_type=MULTIPART_CONTENT,
        )
    else:
        response = client.generic(
            method.upper(),
            url_of(path, assignment, article),
            urlencode(form),
            content_type=encoding,
        )

    assert response.status_code == 415, response.content
    assert "Unsupported media type" in response.json()["detail"]
    assert (stored(customer), assignment.status, article.body) == before


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [(endpoint, field) for endpoint, fields in STRING_FIELDS.items() for field in fields],
)
def test_a_nul_character_is_a_400_saying_so(api, customer, contract, endpoint, field):
    """PostgreSQL cannot store NUL in text; it must be refused before it gets there."""
    before = stored(customer)

    response = send(api, endpoint, {**ENDPOINTS[endpoint][2], field: "before\x00after"})

    assert response.status_code == 400
    expected = (
        "is not a valid choice" if field in CHOICE_FIELDS else "Null characters are not allowed"
    )
    assert expected in json.dumps(response.json()[field])
    assert stored(customer) == before


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_lone_surrogate_is_a_400_saying_so(api, customer, contract, endpoint):
    """Valid JSON, but not text: no database can store it as UTF-8."""
    before = stored(customer)
    body = json.dumps(ENDPOINTS[endpoint][2])
    field = STRING_FIELDS[endpoint][0]
    body = body.replace(json.dumps(ENDPOINTS[endpoint][2][field]), '"\\ud800"', 1)

    response = send_raw(api, endpoint, body.encode())

    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    assert stored(customer) == before


@pytest.mark.parametrize(
    "text",
    [
        "Robert'); DROP TABLE customer_quantum_ticket;--",
        "' OR '1'='1",
        "<script>alert('x')</script>",
        '"><img src=x onerror=alert(1)>',
        "Zoë 🛠️ ﷽ \u202eevil",
        "\u200b",
    ],
)
def test_injection_strings_are_stored_as_text_and_escaped_on_the_page(api, customer_user, text):
    response = send(api, "ticket", {**ENDPOINTS["ticket"][2], "title": text, "description": text})

    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.title == text
    assert api.get(f"/api/customer/tickets/{ticket.pk}/").json()["title"] == text
    portal = Client()
    portal.force_login(customer_user)
    page = portal.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page


def test_unknown_and_read_only_fields_are_ignored_and_never_stored(api, customer, other_customer):
    response = send(
        api,
        "ticket",
        {
            **ENDPOINTS["ticket"][2],
            "id": "00000000-0000-0000-0000-000000000001",
            "status": "completed",
            "customer": other_customer.pk,
            "expert_name": "Mallory",
            "favourite_colour": "blue",
        },
    )

    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert str(ticket.pk) != "00000000-0000-0000-0000-000000000001"
    assert (ticket.status, ticket.customer, ticket.expert_name) == ("submitted", customer, "")
    assert "favourite_colour" not in response.json()


def test_overlong_text_is_a_400_naming_the_field(api, customer):
    before = stored(customer)

    response = send(api, "ticket", {**ENDPOINTS["ticket"][2], "title": "x" * 10_000})

    assert response.status_code == 400
    assert "title" in response.json()
    assert stored(customer) == before


def test_a_survey_answer_cannot_speak_for_another_customer_or_survey(api, customer, other_customer):
    """The contract's other fields come from the invitation, never from the body."""
    theirs = survey_invitation_create(ticket=TicketFactory(customer=other_customer))

    response = send(
        api,
        "survey",
        {
            **ENDPOINTS["survey"][2],
            "customer_id": other_customer.pk,
            "survey_id": str(theirs.pk),
            "ticket_id": str(theirs.ticket_id),
            "submitted_at": "2020-01-01T00:00:00Z",
            "favourite_colour": "blue",
        },
    )

    assert response.status_code == 201
    [sent] = OutboxMessage.objects.using("customer").filter(type="SurveySubmitted")
    assert (sent.payload["customer_id"], sent.payload["ticket_id"]) == (
        customer.pk,
        str(SURVEY_TICKET),
    )
    assert not sent.payload["submitted_at"].startswith("2020-01-01")
    assert "favourite_colour" not in sent.payload
    theirs.refresh_from_db()
    assert theirs.used_at is None


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(("method", "path", "takes_a_body"), OPERATIONS)
def test_a_body_nested_ten_thousand_deep_is_a_400_or_ignored_never_a_500(
    customer, customer_user, expert_user, assignment, article, method, path, takes_a_body
):
    client = signed_in_for(path, customer_user, expert_user)
    before = stored(customer), assignment.status, article.body

    response = client.generic(
        method.upper(),
        url_of(path, assignment, article),
        nested(10_000),
        content_type="application/json",
    )

    if takes_a_body:
        assert response.status_code == 400, response.content
        assert response.json() == {"detail": TOO_DEEP}
        assignment.refresh_from_db()
        article.refresh_from_db()
        assert (stored(customer), assignment.status, article.body) == before
    else:
        assert response.status_code < 500, response.content


def test_the_api_has_the_operations_the_deep_body_test_walks():
    assert len(OPERATIONS) == 26


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_refused(api, customer):
    # The object itself is the first level.
    at_limit = f'{{"title": {nested(MAX_DEPTH - 1)}}}'
    past_limit = f'{{"title": {nested(MAX_DEPTH)}}}'

    read = send_raw(api, "ticket", at_limit.encode())
    refused = send_raw(api, "ticket", past_limit.encode())

    assert read.status_code == refused.status_code == 400
    assert "title" in read.json()
    assert refused.json() == {"detail": TOO_DEEP}


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("articles", {"title": "Fan noise", "body": 0}, "body"),
        ("articles", {"title": 12, "body": "Clean the fan."}, "title"),
        (
            "articles",
            {"title": "Fan noise", "body": "Clean it.", "device_category": 1},
            "device_category",
        ),
        ("reject", {"reason": 0}, "reason"),
        ("reject", {"reason": ["too far"]}, "reason"),
        ("complete", {"resolution_notes": True}, "resolution_notes"),
    ],
)
def test_the_expert_api_takes_no_number_as_text(expert_user, assignment, step, body, field):
    client = APIClient()
    client.force_authenticate(expert_user)
    url = (
        "/api/ticketing/articles/"
        if step == "articles"
        else f"/api/ticketing/assignments/{assignment.pk}/{step}/"
    )
    if step == "complete":
        for earlier in ("accept", "start"):
            client.post(f"/api/ticketing/assignments/{assignment.pk}/{earlier}/")
    assignment.refresh_from_db()
    before = Article.objects.count(), assignment.status

    response = client.post(url, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assignment.refresh_from_db()
    assert (Article.objects.count(), assignment.status) == before
