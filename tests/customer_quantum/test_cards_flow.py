"""A card end to end, in-process: the customer API, billing's endpoint, billing's answer back to the
customer's endpoint; and, on the way, the card number and CVC left nowhere in plaintext."""

import base64
import json
import logging
from contextlib import ExitStack

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing_quantum.endpoint import endpoint as billing_endpoint
from billing_quantum.models import Card
from billing_quantum.services import UNREADABLE_REASON
from customer_quantum.endpoint import endpoint as customer_endpoint
from customer_quantum.models import CardSummary
from messaging.endpoint import endpoint_for, endpoints
from messaging.models import DeadLetter, InboxMessage, OutboxMessage
from messaging.receiver import Outcome
from tests.billing_quantum.traces import (
    appears,
    broker_dump,
    database_dump,
    envelope_of,
    stored_number,
)

pytestmark = pytest.mark.django_db(databases="__all__")

CARDS = "/api/customer/cards/"
NUMBER = "3782 822463 10005"
DIGITS = "378282246310005"
CVC = "7319"
CARD = {
    "number": NUMBER,
    "expiry_month": 7,
    "expiry_year": 2031,
    "cvc": CVC,
    "holder_name": "Alice Martin",
}


def to_billing(card_id: str, tamper=lambda payload: payload) -> Outcome:
    row = OutboxMessage.objects.using("customer").get(
        type="CardRegistered", payload__card_id=card_id
    )
    envelope = envelope_of(row, sender="customer")
    return billing_endpoint.receive({**envelope, "payload": tamper(envelope["payload"])})


def billings_answer_to_customer(card_id: str) -> Outcome:
    row = OutboxMessage.objects.using("billing").get(payload__card_id=card_id)
    return customer_endpoint.receive(envelope_of(row, sender="billing"))


def summary_of(card_id: str) -> tuple[str, str]:
    summary = CardSummary.objects.get(pk=card_id)
    return summary.status, summary.rejection_reason


def flip_a_byte(payload: dict) -> dict:
    sealed = bytearray(base64.b64decode(payload["sealed_card"]))
    sealed[-1] ^= 0x01
    return {**payload, "sealed_card": base64.b64encode(sealed).decode()}


def test_a_valid_card_becomes_active_once_billing_has_verified_it(settings, api):
    response = api.post(CARDS, CARD, format="json")
    assert (response.status_code, response.data["status"]) == (202, "pending")
    card_id = response.data["id"]

    assert to_billing(card_id) == Outcome.APPLIED

    stored = Card.objects.get()
    assert (str(stored.card_id), stored.status, stored.last4) == (card_id, "active", "0005")
    assert stored.key_id == settings.CARD_STORAGE_KEY_ID
    assert stored_number(stored.number_ciphertext, stored.key_id) == DIGITS
    billing = database_dump("billing")
    assert not appears(DIGITS, billing)
    assert not appears(CVC, billing)
    assert summary_of(card_id) == ("pending", "")

    assert billings_answer_to_customer(card_id) == Outcome.APPLIED

    assert summary_of(card_id) == ("active", "")
    assert [card["status"] for card in api.get(CARDS).data["results"]] == ["active"]


def test_a_card_billing_declines_becomes_rejected_with_the_reason(api):
    card_id = api.post(CARDS, {**CARD, "number": "4000 0000 0000 0002", "cvc": "123"}).data["id"]

    to_billing(card_id)
    billings_answer_to_customer(card_id)

    assert summary_of(card_id) == ("rejected", "the card was declined by its issuer")
    assert Card.objects.get().status == "rejected"


def test_altered_card_data_is_dead_lettered_in_billing_and_the_card_rejected(api):
    card_id = api.post(CARDS, CARD, format="json").data["id"]

    assert to_billing(card_id, tamper=flip_a_byte) == Outcome.DEAD_LETTERED

    letter = DeadLetter.objects.using("billing").get()
    assert letter.error.startswith(
        f"the sealed card data does not open with key '{settings.CARD_SEALING_KEY_ID}'"
    )
    assert not Card.objects.exists()
    billings_answer_to_customer(card_id)
    assert summary_of(card_id) == ("rejected", UNREADABLE_REASON)


def test_card_data_sealed_under_a_key_id_billing_does_not_hold_is_dead_lettered_and_rejected(
    settings, api
):
    settings.CARD_SEALING_KEY_ID = "seal-retired"
    card_id = api.post(CARDS, CARD, format="json").data["id"]

    assert to_billing(card_id) == Outcome.DEAD_LETTERED

    assert DeadLetter.objects.using("billing").get().error == (
        "no card sealing private key has the id 'seal-retired'"
    )
    billings_answer_to_customer(card_id)
    assert summary_of(card_id) == ("rejected", UNREADABLE_REASON)


# The leak test: every place a card number or CVC could be left behind, searched after real flows.


def deliver_queue(queue: str, broker, tamper_card: str | None = None) -> None:
    """Delivers every message waiting on a queue of the broker, as a worker would."""
    for queued in broker.queued(queue):
        message = json.loads(queued)
        arguments, _, _ = json.loads(base64.b64decode(message["body"]))
        if message["headers"]["task"] == "messaging.confirm":
            endpoint_for(arguments[0]).sender.confirm(arguments[1])
            continue
        receiver, envelope = arguments
        if envelope["payload"].get("card_id") == tamper_card:
            envelope = {**envelope, "payload": flip_a_byte(envelope["payload"])}
        endpoint_for(receiver).receive(envelope)


def admin_pages(client) -> str:
    pages = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "messaging":
            # The kernel's pages, one quantum's rows at a time.
            shown = [
                (f"?quantum={quantum}", model._default_manager.using(quantum))
                for quantum in ("customer", "billing")
            ]
        elif model._meta.app_label in ("customer_quantum", "billing_quantum"):
            shown = [("", model_admin.get_queryset(None))]
        else:
            continue
        info = model._meta.app_label, model._meta.model_name
        for query, rows in shown:
            pages.append(client.get(reverse("admin:{}_{}_changelist".format(*info)) + query))
            for pk in rows.values_list("pk", flat=True):
                change = reverse("admin:{}_{}_change".format(*info), args=[pk])
                pages.append(client.get(change + query))
    assert {page.status_code for page in pages} == {200}
    return "\n".join(page.content.decode() for page in pages)


def operations_pages(client, *, cards: list[str]) -> str:
    """Every quantum's dead letters, and each card's message trace."""
    pages = [client.get("/operations/dead-letters/")]
    pages += [client.get("/operations/trace/", {"id": card}) for card in cards]
    assert {page.status_code for page in pages} == {200}
    return "\n".join(page.content.decode() for page in pages)


def test_the_card_number_and_cvc_are_left_nowhere_in_plaintext(
    api,
    client,
    customer_user,
    admin_client,
    caplog,
    broker,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own default stops at INFO
    client.force_login(customer_user)
    with ExitStack() as stack:
        # Logged SQL carries its parameters: it shows what every statement wrote.
        for alias in settings.DATABASES:
            stack.enter_context(CaptureQueriesContext(connections[alias]))
        with django_capture_on_commit_callbacks(using="customer", execute=True):
            responses = [
                api.post(CARDS, CARD, format="json"),
                api.post(CARDS, CARD, format="json"),
                api.post(CARDS, {**CARD, "expiry_month": 13}, format="json"),
                api.post(CARDS, {**CARD, "cvc": "731"}, format="json", HTTP_ACCEPT="text/html"),
                client.post("/cards/new/", {**CARD, "cvc": "731"}),
            ]
        verified, altered = (response.data["id"] for response in responses[:2])
        with django_capture_on_commit_callbacks(using="billing", execute=True):
            deliver_queue("billing", broker, tamper_card=altered)
        deliver_queue("customer", broker)
        responses += [api.get(CARDS), client.get("/cards/")]

    assert [response.status_code for response in responses] == [202, 202, 400, 406, 200, 200, 200]
    assert summary_of(verified)[0] == "active"
    assert summary_of(altered)[0] == "rejected"
    stored = Card.objects.get()
    assert stored_number(stored.number_ciphertext, stored.key_id) == DIGITS

    message_tables = "\n".join(
        repr(list(table.objects.using(endpoint.quantum).values()))
        for endpoint in endpoints()
        for table in (OutboxMessage, InboxMessage, DeadLetter)
    )
    places = {
        **{f"{alias} database": database_dump(alias) for alias in settings.DATABASES},
        "outbox, inbox and dead letters": message_tables,
        "logs": caplog.text + "\n".join(repr(vars(record)) for record in caplog.records),
        "broker messages": broker_dump(broker.queued_anywhere()),
        "API and portal responses": "\n".join(r.content.decode() for r in responses),
        "admin pages": admin_pages(admin_client),
        "operations pages": operations_pages(admin_client, cards=[verified, altered]),
    }
    # Each place does hold this flow's traces, so finding no card data there means something.
    assert verified in places["customer database"]
    assert "the sealed card data does not open" in places["outbox, inbox and dead letters"]
    assert 'INSERT INTO "billing_quantum_card"' in places["logs"]
    assert verified in places["broker messages"] and "sealed_card" in places["broker messages"]
    assert "American Express •••• 0005" in places["API and portal responses"]
    assert "•••• 0005" in places["admin pages"]
    assert "CardRegistered" in places["operations pages"]
    assert "dead-lettered" in places["operations pages"]

    secrets = [DIGITS, NUMBER, "3782-822463-10005", CVC]
    found = {
        place: secret
        for place, text in places.items()
        for secret in secrets
        if appears(secret, text)
    }
    assert found == {}
