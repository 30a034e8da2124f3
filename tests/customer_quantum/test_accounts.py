"""Registration, profile and support plan, over the API and in the portal."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from customer_quantum.models import Customer, OutboxMessage, SupportPlan
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


def test_registering_creates_the_user_and_the_customer():
    response = APIClient().post("/api/customer/register/", REGISTRATION, format="json")

    assert response.status_code == 201
    assert response.data == {k: v for k, v in REGISTRATION.items() if k != "password"}
    user = get_user_model().objects.get(username="dora")
    assert user.check_password(REGISTRATION["password"])
    assert Customer.objects.get(user_id=user.id).notification_preference == "sms"


def test_a_registered_customer_gets_an_api_token_with_their_password():
    APIClient().post("/api/customer/register/", REGISTRATION, format="json")

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
        ({"username": "no spaces please"}, "username", "Enter a valid username."),
        ({"notification_preference": "pigeon"}, "notification_preference", "not a valid choice"),
        ({"name": ""}, "name", "may not be blank"),
    ],
)
def test_bad_registrations_are_a_400_naming_the_field_and_store_nothing(change, field, reason):
    response = APIClient().post("/api/customer/register/", REGISTRATION | change, format="json")

    assert response.status_code == 400
    assert reason in " ".join(str(message) for message in response.data[field])
    assert nothing_stored()


@pytest.mark.parametrize(
    ("taken", "field"),
    [({"username": "DORA"}, "username"), ({"email": "Dora@Example.com"}, "email")],
)
def test_a_username_or_email_already_registered_is_refused(taken, field):
    APIClient().post("/api/customer/register/", REGISTRATION, format="json")
    other = REGISTRATION | {"username": "dora2", "email": "dora2@example.com"} | taken

    response = APIClient().post("/api/customer/register/", other, format="json")

    assert response.status_code == 400
    assert "already" in str(response.data[field][0])
    assert get_user_model().objects.count() == Customer.objects.count() == 1


def test_the_portal_registers_logs_in_and_leads_to_the_plan(client):
    form = REGISTRATION | {"password_again": REGISTRATION["password"]}

    response = client.post("/register/", form, follow=True)

    assert response.redirect_chain == [("/plan/", 302)]
    assert "Welcome, Dora Ng" in response.content.decode()
    assert Customer.objects.get().email == "dora@example.com"


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


def test_a_profile_cannot_take_another_customers_email(api, customer):
    CustomerFactory(email="taken@example.com")

    response = api.patch("/api/customer/profile/", {"email": "TAKEN@example.com"}, format="json")

    assert response.status_code == 400
    assert response.data["email"] == ["A customer with this e-mail address is already registered."]
    customer.refresh_from_db()
    assert customer.email != "taken@example.com"


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
    message = OutboxMessage.objects.get()
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
    assert [m.payload["contract_code"] for m in OutboxMessage.objects.all()] == ["basic", "premium"]


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
    assert not OutboxMessage.objects.exists()


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
