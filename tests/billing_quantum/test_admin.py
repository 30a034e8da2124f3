"""Billing administrators find accounts and cards, masked to the last four digits; no page shows a
card number or its ciphertext, and no page changes a card."""

import base64

import pytest

from billing_quantum.endpoint import endpoint
from billing_quantum.models import BillingAccount, Card

pytestmark = pytest.mark.django_db(databases="__all__")

CARDS = "/admin/billing_quantum/card/"
ACCOUNTS = "/admin/billing_quantum/billingaccount/"


@pytest.fixture
def cards(card_registered, from_customer):
    """Alice's active Visa and Bob's declined Mastercard, as billing stored them."""
    endpoint.receive(from_customer(card_registered()))
    endpoint.receive(
        from_customer(
            card_registered(number="4000000000000002").model_copy(update={"customer_id": 8})
        )
    )
    BillingAccount.objects.filter(customer_id=7).update(customer_name="Alice Martin")
    BillingAccount.objects.filter(customer_id=8).update(customer_name="Bob Chen")
    return Card.objects.get(status="active"), Card.objects.get(status="rejected")


def shows_no_card_data(page: str, card: Card) -> bool:
    ciphertext = bytes(card.number_ciphertext)
    return not any(
        secret in page
        for secret in (
            "4242424242424242",
            "4242 4242 4242 4242",
            ciphertext.hex(),
            base64.b64encode(ciphertext).decode(),
        )
    )


def test_the_card_list_shows_cards_masked(admin_client, cards):
    active, _ = cards

    page = admin_client.get(CARDS).content.decode()

    assert "•••• 4242" in page
    assert f"12/{active.expiry_year}" in page
    assert "Alice Martin" in page
    assert shows_no_card_data(page, active)


def test_a_card_page_is_read_only_and_masked(admin_client, cards):
    active, _ = cards

    response = admin_client.get(f"{CARDS}{active.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "•••• 4242" in page
    assert active.key_id in page
    assert 'name="holder_name"' not in page
    assert "Save" not in page
    assert shows_no_card_data(page, active)


def test_cards_cannot_be_added_changed_or_deleted(admin_client, cards):
    active, _ = cards

    assert admin_client.get(f"{CARDS}add/").status_code == 403
    assert (
        admin_client.post(f"{CARDS}{active.pk}/change/", {"status": "rejected"}).status_code == 403
    )
    assert admin_client.post(f"{CARDS}{active.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Card.objects.get(pk=active.pk).status == "active"


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("?q=4242", "Alice Martin", "Bob Chen"),
        ("?q=Bob", "Bob Chen", "Alice Martin"),
        ("?status__exact=rejected", "Bob Chen", "Alice Martin"),
        ("?brand__exact=Visa&status__exact=active", "Alice Martin", "Bob Chen"),
    ],
)
def test_cards_are_found_by_last_four_customer_and_status(
    admin_client, cards, query, shown, hidden
):
    page = admin_client.get(f"{CARDS}{query}").content.decode()

    assert f">{shown}<" in page
    assert f">{hidden}<" not in page


def test_an_account_page_lists_its_cards_masked(admin_client, cards):
    active, _ = cards

    response = admin_client.get(f"{ACCOUNTS}{active.account.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "•••• 4242" in page
    assert "Save" not in page
    assert shows_no_card_data(page, active)


def test_accounts_are_found_by_customer_id(admin_client, cards):
    active, _ = cards

    page = admin_client.get(f"{ACCOUNTS}?q={active.account.customer_id}").content.decode()

    assert "Alice Martin" in page
    assert "Bob Chen" not in page
