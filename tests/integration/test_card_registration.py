"""A card through real processes: sealed by the web process, queued in Redis, opened and verified
by billing's worker, its status carried back by the customer's; the number and CVC never in clear
in the broker or in any process's log."""

import httpx
import pytest
from django.conf import settings

from billing_quantum.models import Card
from customer_quantum.models import CardSummary
from tests.integration.customers import CustomerAccount
from tests.integration.processes import wait_until
from tests.integration.servers import broker_dump
from tests.integration.system import RunningSystem, StartSystem

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

CARD_QUANTA = ("customer", "billing")
FLOW_TIMEOUT_SECONDS = 30
NUMBER, DIGITS, CVC = "5555 5555 5555 4444", "5555555555554444", "913"
DECLINED = "4000 0000 0000 0002"


def register_card(system: RunningSystem, token: str, number: str) -> httpx.Response:
    return httpx.post(
        f"{system.base_url}/api/customer/cards/",
        headers={"Authorization": f"Token {token}"},
        json={
            "number": number,
            "expiry_month": 9,
            "expiry_year": 2033,
            "cvc": CVC,
            "holder_name": "Alice Martin",
        },
        timeout=30,
    )


def status_becomes(card_id: str, status: str) -> CardSummary:
    return wait_until(
        lambda: CardSummary.objects.filter(pk=card_id, status=status).first(),
        timeout=FLOW_TIMEOUT_SECONDS,
        what=f"the customer's card summary is {status}",
    )


@pytest.fixture
def card_system(start_system: StartSystem) -> RunningSystem:
    return start_system(quanta=CARD_QUANTA)


def test_a_card_waits_sealed_in_the_broker_then_becomes_active_and_leaks_nowhere(
    card_system: RunningSystem, customer_account: CustomerAccount
) -> None:
    system = card_system
    billing_worker = system.workers["billing"]
    billing_worker.stop()
    prefix = system.setting("CELERY_BROKER_KEY_PREFIX")

    response = register_card(system, customer_account.token, NUMBER)

    assert response.status_code == 202, response.text
    card_id = response.json()["id"]
    queued = wait_until(
        lambda: (
            (dump := broker_dump(settings.CELERY_BROKER_URL, prefix)) and card_id in dump and dump
        ),
        timeout=FLOW_TIMEOUT_SECONDS,
        what="the sealed card registration waits in the billing queue",
    )
    assert '"sealed_card"' in queued, "the dump must show the decoded message"
    assert DIGITS not in queued
    assert NUMBER not in queued
    # Quoted, as JSON would hold them: digits alone occur by chance in ids and timestamps.
    assert f'"{CVC}"' not in queued
    assert '"cvc"' not in queued

    billing_worker.start()
    billing_worker.wait_for_log(" ready.", timeout=FLOW_TIMEOUT_SECONDS)
    summary = status_becomes(card_id, "active")

    assert (summary.brand, summary.last4) == ("Mastercard", "4444")
    stored = Card.objects.get(card_id=card_id)
    assert stored.status == "active"
    assert DIGITS.encode() not in bytes(stored.number_ciphertext)
    for process in system.processes:
        log = process.log_path.read_text()
        assert DIGITS not in log and NUMBER not in log, f"card number in {process.name}'s log"
        assert f"'{CVC}'" not in log and f'"{CVC}"' not in log, f"CVC in {process.name}'s log"


def test_a_card_the_issuer_declines_becomes_rejected(
    card_system: RunningSystem, customer_account: CustomerAccount
) -> None:
    response = register_card(card_system, customer_account.token, DECLINED)

    assert response.status_code == 202, response.text
    summary = status_becomes(response.json()["id"], "rejected")
    assert summary.rejection_reason == "the card was declined by its issuer"
