"""Portal pages for cards: the customer adds a card and sees its summary; a form with errors keeps
what was typed except the card number and CVC, which never come back to the browser."""

import pytest
from django.utils import timezone

from customer_quantum.models import CardSummary
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import CustomerFactory

pytestmark = pytest.mark.django_db(databases="__all__")

THIS_YEAR = timezone.localdate().year
TYPED = {
    "number": "3782 822463 10005",
    "expiry_month": "7",
    "expiry_year": str(THIS_YEAR + 2),
    "cvc": "7319",
    "holder_name": "Alice Martin",
}


@pytest.fixture
def portal(client, customer_user):
    client.force_login(customer_user)
    return client


def test_adding_a_card_shows_it_pending_in_the_card_list(portal, customer):
    response = portal.post("/cards/new/", TYPED, follow=True)

    summary = CardSummary.objects.get()
    assert (summary.customer, summary.brand, summary.last4) == (
        customer,
        "American Express",
        "0005",
    )
    assert response.redirect_chain == [("/cards/", 302)]
    page = response.content.decode()
    assert "your card is added and is being verified" in page
    assert "American Express •••• 0005" in page
    assert f"07/{THIS_YEAR + 2}" in page
    assert "Pending" in page
    assert OutboxMessage.objects.using("customer").get().payload["card_id"] == str(summary.id)


def test_a_form_with_errors_keeps_what_was_typed_except_the_number_and_cvc(portal):
    response = portal.post("/cards/new/", {**TYPED, "cvc": "731", "expiry_month": "13"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "American Express security codes have 4 digits." in page
    assert "Enter a month from 1 to 12." in page
    assert 'value="Alice Martin"' in page
    assert 'value="13"' in page
    assert f'value="{THIS_YEAR + 2}"' in page
    for secret in ("378282246310005", "3782 822463 10005", "731"):
        assert secret not in page
    assert '<input type="text" name="number"' in page
    assert not CardSummary.objects.exists()
    assert not OutboxMessage.objects.using("customer").exists()


def test_each_error_is_shown_next_to_its_field(portal):
    response = portal.post(
        "/cards/new/", {**TYPED, "number": "3782 822463 10006", "expiry_year": "29"}
    )

    page = response.content.decode()
    number_row = page[page.index('name="number"') :].split("</p>")[0]
    year_row = page[page.index('name="expiry_year"') :].split("</p>")[0]
    assert "This card number is not valid: please check it for typos." in number_row
    assert "Enter the year with four digits." in year_row
    assert "378282246310006" not in page


def test_a_name_holding_digits_is_not_shown_again(portal):
    response = portal.post("/cards/new/", {**TYPED, "holder_name": "3782 822463 10005"})

    page = response.content.decode()
    assert "The name on the card has no digits." in page
    assert "3782 822463 10005" not in page
    assert not CardSummary.objects.exists()


def test_empty_fields_are_each_named(portal):
    response = portal.post("/cards/new/", {})

    assert response.content.decode().count("This field is required.") == 5
    assert not CardSummary.objects.exists()


def test_the_card_list_shows_only_the_customers_own_cards(portal, customer):
    CardSummary.objects.create(
        customer=customer, brand="Visa", last4="4242", expiry_month=1, expiry_year=THIS_YEAR + 1
    )
    CardSummary.objects.create(
        customer=CustomerFactory(),
        brand="Discover",
        last4="1117",
        expiry_month=1,
        expiry_year=THIS_YEAR + 1,
        status="rejected",
        rejection_reason="the card was declined by its issuer",
    )

    page = portal.get("/cards/").content.decode()

    assert "Visa •••• 4242" in page
    assert "1117" not in page
    assert "declined" not in page


def test_a_rejected_card_shows_why(portal, customer):
    CardSummary.objects.create(
        customer=customer,
        brand="Visa",
        last4="0002",
        expiry_month=1,
        expiry_year=THIS_YEAR + 1,
        status="rejected",
        rejection_reason="the card was declined by its issuer",
    )

    page = portal.get("/cards/").content.decode()

    assert "Rejected</span>: the card was declined by its issuer" in page


def test_the_card_pages_ask_for_a_login_first(client):
    assert client.get("/cards/new/").url == "/accounts/login/?next=/cards/new/"
