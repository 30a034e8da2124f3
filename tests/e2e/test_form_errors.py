"""Forms sent with bad values, in a real browser: each error is shown next to its field, which is
marked invalid and points to it, and what the customer typed is still there to correct, except a
password, a card number or a security code, which are never sent back to the browser."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.accessibility import assert_accessible, error_of, field
from tests.e2e.conftest import Screenshots

pytestmark = [
    pytest.mark.integration,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

PASSWORD = "Cobol-compiler-1959"


def test_bad_values_are_named_next_to_their_fields_and_the_rest_is_kept(
    page: Page, screenshots: Screenshots
) -> None:
    page.goto("/register/")
    field(page, "Username").fill("grace")
    field(page, "Name").fill("Grace Hopper")
    field(page, "Email").fill("grace.example.com")
    field(page, "Phone").fill("+1 555 0199")
    field(page, "Address").fill("1 Harvard Yard\nCambridge")
    field(page, "Notification preference").select_option(label="SMS")
    field(page, "Password").fill(PASSWORD)
    field(page, "Password (again)").fill("Cobol-compiler-1960")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    assert error_of(field(page, "Email")) == "Enter a valid email address."
    assert error_of(field(page, "Password (again)")) == "The two passwords differ."
    expect(field(page, "Username")).to_have_value("grace")
    expect(field(page, "Name")).to_have_value("Grace Hopper")
    expect(field(page, "Email")).to_have_value("grace.example.com")
    expect(field(page, "Phone")).to_have_value("+1 555 0199")
    expect(field(page, "Address")).to_have_value("1 Harvard Yard\nCambridge")
    expect(field(page, "Notification preference")).to_have_value("sms")
    expect(field(page, "Password")).to_have_value("")
    expect(field(page, "Name")).not_to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    screenshots.take(page, "register-errors")

    # Corrected, the same form opens the account.
    field(page, "Email").fill("grace@example.com")
    field(page, "Password").fill(PASSWORD)
    field(page, "Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(
        "We have sent a message to grace@example.com"
    )
    field(page, "Username").fill("grace")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My tickets")

    page.goto("/cards/new/")
    field(page, "Card number").fill("4242 4242 4242 4241")
    field(page, "Expiry month").fill("7")
    field(page, "Expiry year").fill("29")
    field(page, "Security code (CVC)").fill("123")
    field(page, "Name on the card").fill("Grace Hopper")
    page.get_by_role("button", name="Add the card").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Add a card")
    assert "This card number is not valid" in error_of(field(page, "Card number"))
    assert error_of(field(page, "Expiry year")) == "Enter the year with four digits."
    expect(field(page, "Card number")).to_have_value("")
    expect(field(page, "Security code (CVC)")).to_have_value("")
    expect(field(page, "Expiry month")).to_have_value("7")
    expect(field(page, "Expiry year")).to_have_value("29")
    expect(field(page, "Name on the card")).to_have_value("Grace Hopper")
    assert_accessible(page)
    screenshots.take(page, "card-errors")

    page.goto("/tickets/new/")
    field(page, "Description").fill("The screen flickers when the lid moves.")
    field(page, "Device category").select_option(label="Computer")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a ticket")
    assert error_of(field(page, "Title")) == "This field is required."
    expect(field(page, "Description")).to_have_value("The screen flickers when the lid moves.")
    expect(field(page, "Device category")).to_have_value("computer")
    assert_accessible(page)
    screenshots.take(page, "ticket-errors")
    page.goto("/")
    expect(page.get_by_text("You have no tickets yet.")).to_be_visible()
