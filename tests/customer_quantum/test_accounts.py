"""Registration, profile and support plan, over the API and in the portal."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from customer_quantum.models import Customer, SupportPlan
from messaging.models import OutboxMessage
from notifications.endpoint import endpoint as notifications
from notifications.services import notifications_send_due
from tests.billing_quantum.traces import envelope_of
from tests.customer_quantum.factories import CustomerFactory, SupportContractFactory

pytestmark = pytest.mark.django_db(databases="__all__")

REGISTRATION = {
    "username": "dora",
    "password": "a long and unusual passphrase",
    "name": "Dora Ng",
    "email": "dora@example.com",
    "phone": "+1 555 0100",
    "address": "1 Main Street, Springfield",
    "notification_preference": "sms",
}


def nothing_stored():
    return not get_user_model().objects.exists() and not Customer.objects.exists()


# Registration

RECEIVED = {
    "detail": "Thank you. We have sent a message to dora@example.com: it tells you how to go on."
}


def mails_requested() -> list[tuple[str, str, dict]]:
    """(type, address, context) of each e-mail the customer quantum asked notifications to send."""
    return [
        (
            row.payload["notification_type"],
            row.payload["recipient"]["email"],
            row.payload["context"],
        )
        for row in OutboxMessage.objects.using("customer")
        .filter(type="NotificationRequested")
        .order_by("created_at")
    ]


def register(details: dict = REGISTRATION):
    return APIClient().post("/api/customer/register/", details, format="json")


def test_registering_creates_the_user_and_the_customer_and_welcomes_them_by_email():
    response = register()

    assert response.status_code == 202
    assert response.data == RECEIVED
    user = get_user_model().objects.get(username="dora")
    assert user.check_password(REGISTRATION["password"])
    customer = Customer.objects.get(user_id=user.id)
    assert (customer.email, customer.notification_preference) == ("dora@example.com", "sms")
    [(kind, address, context)] = mails_requested()
    assert (kind, address, context["username"]) == ("account_opened", "dora@example.com", "dora")
    assert context["link"].endswith("/accounts/login/")


def test_a_registered_customer_gets_an_api_token_with_their_password():
    register()

    response = APIClient().post(
        "/api/auth/token/", {"username": "dora", "password": REGISTRATION["password"]}
    )

    assert response.status_code == 200
    assert response.data["token"]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"password": "password"}, "password", "This password is too common."),
        ({"password": "short"}, "password", "This password is too short."),
        ({"password": "dora@example.com"}, "password", "too similar to the email address"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": "dora@localhost"}, "email", "Enter an e-mail address that can receive mail."),
        ({"username": "no spaces please"}, "username", "Enter a valid username."),
        ({"notification_preference": "pigeon"}, "notification_preference", "not a valid choice"),
        ({"name": ""}, "name", "may not be blank"),
    ],
)
def test_bad_registrations_are_a_400_naming_the_field_and_store_nothing(change, field, reason):
    response = register(REGISTRATION | change)

    assert response.status_code == 400
    assert reason in " ".join(str(message) for message in response.data[field])
    assert nothing_stored()
    assert mails_requested() == []


def test_an_address_already_registered_answers_as_a_new_one_and_its_owner_is_told():
    register()
    other = REGISTRATION | {"username": "dora2", "email": "Dora@Example.com", "name": "Not Dora"}

    response = register(other)

    assert response.status_code == 202
    assert response.data == {
        "detail": RECEIVED["detail"].replace("dora@example.com", "Dora@Example.com")
    }
    assert get_user_model().objects.count() == Customer.objects.count() == 1
    assert not get_user_model().objects.filter(username="dora2").exists()
    (welcome, *_), (kind, address, context) = mails_requested()
    assert welcome == "account_opened"
    assert (kind, address) == ("address_in_use", "dora@example.com")
    assert (context["attempt"], context["username"]) == ("open another account", "dora")


def test_a_username_already_taken_answers_as_a_new_one_and_the_address_given_is_told():
    register()
    other = REGISTRATION | {"username": "DORA", "email": "dora2@example.com"}

    response = register(other)

    assert response.status_code == 202
    assert response.data["detail"] == RECEIVED["detail"].replace("dora@", "dora2@")
    assert get_user_model().objects.count() == Customer.objects.count() == 1
    *_, (kind, address, context) = mails_requested()
    assert (kind, address, context["username"]) == (
        "username_unavailable",
        "dora2@example.com",
        "DORA",
    )
    assert context["link"].endswith("/register/")


def test_the_portal_registration_answers_the_same_for_a_new_and_a_taken_account(client):
    form = REGISTRATION | {"password_again": REGISTRATION["password"]}

    opened = client.post("/register/", form, follow=True)
    taken = client.post("/register/", form | {"username": "dora2"}, follow=True)

    for response in (opened, taken):
        assert response.redirect_chain == [("/accounts/login/", 302)]
        assert "We have sent a message to dora@example.com" in response.content.decode()
        assert not response.wsgi_request.user.is_authenticated
    assert Customer.objects.get().email == "dora@example.com"
    assert [kind for kind, *_ in mails_requested()] == ["account_opened", "address_in_use"]


def test_each_account_mail_reads_as_it_should_once_notifications_sends_it(mailoutbox, customer):
    register()
    register(REGISTRATION | {"username": "dora2"})
    register(REGISTRATION | {"username": "DORA", "email": "dora2@example.com"})
    api = APIClient()
    api.force_authenticate(get_user_model().objects.get(pk=customer.user_id))
    api.patch("/api/customer/profile/", {"email": "alice.new@example.com"})

    for row in (
        OutboxMessage.objects.using("customer")
        .filter(type="NotificationRequested")
        .order_by("created_at")
    ):
        notifications.receive(envelope_of(row, sender="customer"))
    notifications_send_due()

    mails = {mail.subject: (mail.to, mail.body) for mail in mailoutbox}
    to, body = mails["Your Sysops Squad account is open"]
    assert to == ["Dora Ng <dora@example.com>"]
    assert 'sign in as "dora"' in body
    to, body = mails["Somebody tried to use your e-mail address"]
    assert to == ["Dora Ng <dora@example.com>"]
    assert "tried to open another account with this e-mail address" in body
    to, body = mails["Choose another username"]
    assert to == ["Dora Ng <dora2@example.com>"]
    assert 'The username "DORA" is not available' in body
    to, body = mails["Confirm your new e-mail address"]
    assert to == [f"{customer.name} <alice.new@example.com>"]
    assert f"{settings.PORTAL_BASE_URL}/profile/email/" in body
    assert len(mailoutbox) == 4


@pytest.mark.parametrize(
    ("passwords", "problem"),
    [
        (("password", "password"), "This password is too common."),
        ((REGISTRATION["password"], "something else"), "The two passwords differ."),
    ],
)
def test_the_portal_registration_form_keeps_input_and_names_problems(client, passwords, problem):
    form = REGISTRATION | dict(zip(["password", "password_again"], passwords, strict=True))

    page = client.post("/register/", form).content.decode()

    assert problem in page
    assert 'value="dora@example.com"' in page
    assert nothing_stored()


# Profile


def test_a_customer_reads_and_changes_their_profile(api, customer):
    response = api.patch("/api/customer/profile/", {"phone": "+44 20 7946 0000"}, format="json")

    assert response.status_code == 200
    assert api.get("/api/customer/profile/").data["phone"] == "+44 20 7946 0000"
    customer.refresh_from_db()
    assert customer.phone == "+44 20 7946 0000"


def confirmation_link() -> str:
    [(kind, _, context)] = mails_requested()
    assert kind == "email_confirmation"
    return context["link"].removeprefix(settings.PORTAL_BASE_URL)


def test_a_new_address_takes_effect_from_the_link_sent_to_it(api, client, customer, customer_user):
    old = customer.email

    response = api.patch(
        "/api/customer/profile/", {"email": "new@example.com", "phone": "+1 555 0199"}
    )

    assert response.status_code == 200
    assert (response.data["email"], response.data["phone"]) == (old, "+1 555 0199")
    [(_, address, _)] = mails_requested()
    assert address == "new@example.com"
    client.force_login(customer_user)
    page = client.get(confirmation_link(), follow=True).content.decode()
    assert "Your e-mail address is now new@example.com." in page
    customer.refresh_from_db()
    assert customer.email == "new@example.com"


def test_a_confirmation_link_works_for_its_own_account_only(client, customer):
    api = APIClient()
    api.force_authenticate(get_user_model().objects.get(pk=customer.user_id))
    api.patch("/api/customer/profile/", {"email": "new@example.com"})
    other = CustomerFactory()
    client.force_login(get_user_model().objects.get(pk=other.user_id))

    page = client.get(confirmation_link(), follow=True).content.decode()

    assert "This link was sent for another account." in page
    assert not Customer.objects.filter(email="new@example.com").exists()


def test_a_forged_confirmation_link_changes_nothing(client, customer, customer_user):
    client.force_login(customer_user)

    page = client.get("/profile/email/eyJlbWFpbCI6Im1lQGV4YW1wbGUuY29tIn0:forged/", follow=True)

    assert "This link is not valid." in page.content.decode()
    customer.refresh_from_db()
    assert customer.email != "me@example.com"


def test_an_address_of_another_customer_answers_the_same_and_its_owner_is_told(api, customer):
    owner = CustomerFactory(email="taken@example.com")

    response = api.patch("/api/customer/profile/", {"email": "TAKEN@example.com", "phone": "1"})

    assert response.status_code == 200
    assert (response.data["email"], response.data["phone"]) == (customer.email, "1")
    customer.refresh_from_db()
    assert customer.email != "taken@example.com"
    [(kind, address, context)] = mails_requested()
    assert (kind, address, context["attempt"]) == (
        "address_in_use",
        owner.email,
        "put it on another account",
    )


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("not-an-address", "Enter a valid email address."),
        ("alice@localhost", "Enter an e-mail address that can receive mail."),
    ],
)
def test_a_new_address_mail_cannot_reach_is_a_400_and_nothing_is_sent(
    api, customer, address, reason
):
    response = api.patch("/api/customer/profile/", {"email": address, "phone": "1"})

    assert response.status_code == 400
    assert response.data["email"] == [reason]
    customer.refresh_from_db()
    assert customer.phone != "1"
    assert mails_requested() == []


def test_the_portal_profile_answers_the_same_for_a_free_and_a_taken_address(client, customer_user):
    CustomerFactory(email="taken@example.com")
    client.force_login(customer_user)
    form = {
        "name": "Alice",
        "phone": "",
        "address": "",
        "notification_preference": "email",
        "time_zone": "UTC",
    }

    pages = [
        # The CSRF token is masked anew on every page.
        re.sub(
            r'name="csrfmiddlewaretoken" value="\w+"',
            "",
            client.post("/profile/", form | {"email": address}, follow=True).content.decode(),
        )
        for address in ("taken@example.com", "free@example.com")
    ]

    assert "We have sent a link to taken@example.com" in pages[0]
    assert pages[0].replace("taken@", "free@") == pages[1]
    assert [kind for kind, *_ in mails_requested()] == ["address_in_use", "email_confirmation"]


# Support contracts and plan


def test_anybody_can_browse_the_contracts_on_offer():
    SupportContractFactory(code="premium", monthly_price=Decimal("49.00"))
    SupportContractFactory(code="basic", monthly_price=Decimal("9.00"))
    SupportContractFactory(code="retired", active=False)

    response = APIClient().get("/api/customer/contracts/")

    assert response.status_code == 200
    assert [contract["code"] for contract in response.data] == ["basic", "premium"]
    assert response.data[0]["monthly_price"] == "9.00"


def test_choosing_a_plan_stores_it_and_tells_billing_the_agreed_price(api, customer):
    SupportContractFactory(code="standard", monthly_price=Decimal("19.90"), currency="EUR")

    response = api.post("/api/customer/plan/", {"contract_code": "standard"}, format="json")

    assert response.status_code == 200
    assert response.data["contract"]["code"] == "standard"
    plan = SupportPlan.objects.get(customer=customer)
    assert (plan.monthly_price, plan.currency) == (Decimal("19.90"), "EUR")
    message = OutboxMessage.objects.using("customer").get()
    assert (message.type, message.receiver) == ("SupportPlanChosen", "billing")
    assert message.payload | {"chosen_at": None} == {
        "customer_id": customer.id,
        "customer_name": customer.name,
        "customer_email": customer.email,
        "contract_code": "standard",
        "monthly_price": "19.90",
        "currency": "EUR",
        "chosen_at": None,
    }


def test_changing_the_plan_tells_billing_again_but_choosing_the_same_does_not(api, customer):
    SupportContractFactory(code="basic")
    SupportContractFactory(code="premium")
    for code in ("basic", "basic", "premium"):
        api.post("/api/customer/plan/", {"contract_code": code}, format="json")

    assert SupportPlan.objects.get(customer=customer).contract_id == "premium"
    assert [m.payload["contract_code"] for m in OutboxMessage.objects.using("customer").all()] == [
        "basic",
        "premium",
    ]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("nonexistent", "There is no support contract with this code."),
        ("retired", "This support contract is no longer offered."),
    ],
)
def test_an_unknown_or_retired_contract_is_refused(api, code, reason):
    SupportContractFactory(code="retired", active=False)

    response = api.post("/api/customer/plan/", {"contract_code": code}, format="json")

    assert response.status_code == 400
    assert response.data["contract_code"] == [reason]
    assert not SupportPlan.objects.exists()
    assert not OutboxMessage.objects.using("customer").exists()


def test_a_customer_without_a_plan_is_told_so(api):
    response = api.get("/api/customer/plan/")

    assert response.status_code == 404
    assert response.data["detail"] == "No support plan chosen yet."


def test_the_portal_plan_page_lists_offers_and_chooses_one(client, customer_user, customer):
    SupportContractFactory(code="standard", name="Standard care")
    client.force_login(customer_user)

    response = client.post("/plan/", {"contract_code": "standard"}, follow=True)

    assert "Your plan is now Standard care." in response.content.decode()
    assert SupportPlan.objects.get(customer=customer).contract_id == "standard"


def test_the_portal_plan_page_explains_a_refused_choice(client, customer_user):
    client.force_login(customer_user)

    response = client.post("/plan/", {"contract_code": "nonexistent"})

    assert response.status_code == 400
    assert "There is no support contract with this code." in response.content.decode()
