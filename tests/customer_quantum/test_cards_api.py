"""The customer API for cards: a valid card is accepted at once as `pending`, bad input is a 400 that
names the field without repeating the number, and the customer quantum keeps only a summary."""

import json
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from customer_quantum.models import CardSummary
from messaging.models import OutboxMessage
from tests.billing_quantum.traces import unseal
from tests.customer_quantum.factories import CustomerFactory

pytestmark = pytest.mark.django_db(databases="__all__")

CARDS = "/api/customer/cards/"
THIS_YEAR = timezone.localdate().year
VALID = {
    "number": "4242 4242 4242 4242",
    "expiry_month": 12,
    "expiry_year": THIS_YEAR + 3,
    "cvc": "319",
    "holder_name": "Alice Martin",
}


def test_a_valid_card_is_accepted_as_pending_with_its_summary(api, customer):
    response = api.post(CARDS, VALID, format="json")

    assert response.status_code == 202
    summary = CardSummary.objects.get()
    assert summary.customer == customer
    assert response.data == {
        "id": str(summary.id),
        "brand": "Visa",
        "last4": "4242",
        "expiry_month": 12,
        "expiry_year": THIS_YEAR + 3,
        "status": "pending",
        "rejection_reason": "",
        "registered_at": response.data["registered_at"],
        "status_changed_at": response.data["status_changed_at"],
    }


def test_the_card_data_goes_to_billing_only_sealed_with_its_public_key(settings, api, customer):
    response = api.post(CARDS, VALID, format="json")

    message = OutboxMessage.objects.using("customer").get()
    assert (message.type, message.receiver) == ("CardRegistered", "billing")
    assert set(message.payload) == {
        "card_id",
        "customer_id",
        "key_id",
        "sealed_card",
        "registered_at",
    }
    assert message.payload["card_id"] == response.data["id"]
    assert message.payload["customer_id"] == customer.id
    assert message.payload["key_id"] == settings.CARD_SEALING_KEY_ID
    assert unseal(message.payload["sealed_card"], key_id=settings.CARD_SEALING_KEY_ID) == {
        "number": "4242424242424242",
        "expiry_month": 12,
        "expiry_year": THIS_YEAR + 3,
        "cvc": "319",
        "holder_name": "Alice Martin",
    }


def test_registering_touches_only_the_customer_database_and_works_with_the_broker_down(
    api, broker, django_capture_on_commit_callbacks
):
    broker.refuse()
    with ExitStack() as stack:
        queries = {
            alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in settings.DATABASES
        }
        with django_capture_on_commit_callbacks(using="customer", execute=True):
            response = api.post(CARDS, VALID, format="json")

    assert response.status_code == 202
    assert {alias for alias, captured in queries.items() if captured.captured_queries} == {
        "customer"
    }
    assert (
        OutboxMessage.objects.using("customer").get().sent_at is None
    )  # the sweep hands it over later


@pytest.mark.parametrize(
    ("number", "cvc", "brand"),
    [
        ("4222222222222", "123", "Visa"),
        ("5555-5555-5555-4444", "123", "Mastercard"),
        ("2223 0031 2200 3222", "123", "Mastercard"),
        ("3782 822463 10005", "7319", "American Express"),
        ("6011 1111 1111 1117", "123", "Discover"),
    ],
)
def test_each_accepted_brand_is_recognised(api, number, cvc, brand):
    response = api.post(CARDS, {**VALID, "number": number, "cvc": cvc}, format="json")

    assert response.status_code == 202
    assert (response.data["brand"], response.data["last4"]) == (brand, number[-4:])


def test_a_card_that_expires_this_month_is_still_accepted(api):
    today = timezone.localdate()

    response = api.post(
        CARDS, {**VALID, "expiry_month": today.month, "expiry_year": today.year}, format="json"
    )

    assert response.status_code == 202


def assert_refused(response, field: str, reason: str, number: str = VALID["number"]) -> None:
    assert response.status_code == 400
    assert reason in str(response.data[field][0])
    digits = number.replace(" ", "").replace("-", "")
    for typed in {number, digits} - {""}:
        assert typed not in response.content.decode()
    assert not CardSummary.objects.exists()
    assert not OutboxMessage.objects.using("customer").exists()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"number": "4242 4242 4242 4241"}, "number", "not valid: please check it for typos"),
        ({"number": "4242-4242-abcd-4242"}, "number", "only digits"),
        ({"number": "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"}, "number", "only digits"),
        ({"number": "4242 4242 42"}, "number", "12 to 19 digits"),
        ({"number": "4242 4242 4242 4242 4242"}, "number", "12 to 19 digits"),
        ({"number": "3530 1113 3330 0000"}, "number", "We accept Visa, Mastercard"),
        ({"number": "4242 4242 4242 42"}, "number", "Visa card numbers have 13, 16 or 19 digits"),
        (
            {"number": "3782 8224 6310 0055"},
            "number",
            "American Express card numbers have 15 digits",
        ),
        ({"number": ""}, "number", "may not be blank"),
        ({"number": "3782 822463 10005"}, "cvc", "American Express security codes have 4 digits"),
        ({"cvc": "3190"}, "cvc", "Visa security codes have 3 digits"),
        ({"cvc": "31a"}, "cvc", "only digits"),
        ({"expiry_month": 13}, "expiry_month", "Enter a month from 1 to 12"),
        ({"expiry_month": 0}, "expiry_month", "Enter a month from 1 to 12"),
        ({"expiry_month": "December"}, "expiry_month", "A valid integer is required"),
        ({"expiry_year": 29}, "expiry_year", "Enter the year with four digits"),
        ({"expiry_year": THIS_YEAR - 1}, "expiry_year", "This card has expired"),
        ({"expiry_year": THIS_YEAR + 21}, "expiry_year", "too far in the future"),
        ({"holder_name": "   "}, "holder_name", "may not be blank"),
        ({"holder_name": "A" * 101}, "holder_name", "at most 100 characters"),
        ({"holder_name": "4242424242424242"}, "holder_name", "has no digits"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(api, change, field, reason):
    response = api.post(CARDS, {**VALID, **change}, format="json")

    assert_refused(response, field, reason, number=change.get("number", VALID["number"]))


def test_a_card_that_expired_last_month_is_refused_on_the_field_that_is_past(api):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    field = "expiry_month" if last_month.year == THIS_YEAR else "expiry_year"

    response = api.post(
        CARDS,
        {**VALID, "expiry_month": last_month.month, "expiry_year": last_month.year},
        format="json",
    )

    assert_refused(response, field, "This card has expired")


def test_every_problem_is_named_at_once(api):
    response = api.post(
        CARDS,
        {**VALID, "number": "4242 4242 4242 4241", "cvc": "12", "expiry_month": 13},
        format="json",
    )

    assert set(response.data) == {"number", "cvc", "expiry_month"}
    assert_refused(response, "cvc", "Visa security codes have 3 digits")


def test_missing_fields_are_each_named(api):
    response = api.post(CARDS, {}, format="json")

    assert response.status_code == 400
    assert set(response.data) == {"number", "expiry_month", "expiry_year", "cvc", "holder_name"}
    assert not CardSummary.objects.exists()


def test_a_refusal_never_comes_back_as_a_page_that_could_redisplay_the_number(api):
    response = api.post(
        CARDS, {**VALID, "expiry_month": 13}, format="json", HTTP_ACCEPT="text/html"
    )

    assert response.status_code in (400, 406)
    assert response["Content-Type"] == "application/json"
    assert "4242424242424242" not in response.content.decode()
    assert "4242 4242 4242 4242" not in response.content.decode()


def test_a_customer_lists_only_their_own_card_summaries(api, customer):
    api.post(CARDS, VALID, format="json")
    other = APIClient()
    other.force_authenticate(get_user_model().objects.get(pk=CustomerFactory().user_id))
    other.post(CARDS, {**VALID, "number": "5555 5555 5555 4444"}, format="json")

    response = api.get(CARDS)

    assert response.status_code == 200
    assert [
        (card["brand"], card["last4"], card["status"]) for card in response.data["results"]
    ] == [("Visa", "4242", "pending")]


def test_an_anonymous_request_is_refused():
    response = APIClient().post(CARDS, VALID, format="json")

    assert response.status_code in (401, 403)
    assert not CardSummary.objects.exists()


def test_an_account_without_a_customer_profile_is_refused():
    staff = get_user_model().objects.create_user("helpdesk", password="x", is_staff=True)
    client = APIClient()
    client.force_authenticate(user=staff)

    response = client.post(CARDS, VALID, format="json")

    assert response.status_code == 403
    assert not CardSummary.objects.exists()


def test_the_api_schema_describes_card_registration():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operations = json.loads(response.content)["paths"]["/api/customer/cards/"]
    assert "202" in operations["post"]["responses"]
    assert "get" in operations
