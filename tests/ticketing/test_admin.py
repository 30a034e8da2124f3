"""Administrators keep the support-contract catalog in admin; device categories must be known ones."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.ticketing.factories import SupportContractFactory
from ticketing.models import SupportContract

pytestmark = pytest.mark.django_db(databases="__all__")

ADD_URL = reverse("admin:ticketing_supportcontract_add")
CHANGELIST_URL = reverse("admin:ticketing_supportcontract_changelist")


def contract_form(**changes) -> dict:
    return {
        "code": "family",
        "name": "Family care",
        "description": "Every device of the household.",
        "monthly_price": "39.00",
        "currency": "USD",
        "response_time_hours": "12",
        "device_categories": ["computer", "television"],
        "active": "on",
    } | changes


def test_the_catalog_lists_and_filters_contracts(admin_client):
    SupportContractFactory(code="phones-only", device_categories=["phone"])
    SupportContractFactory(code="tv-only", device_categories=["television"])

    everything = admin_client.get(CHANGELIST_URL)
    televisions = admin_client.get(CHANGELIST_URL, {"device_category": "television"})
    searched = admin_client.get(CHANGELIST_URL, {"q": "phones"})

    assert everything.status_code == 200
    assert [c.code for c in everything.context["cl"].result_list] == ["phones-only", "tv-only"]
    assert [c.code for c in televisions.context["cl"].result_list] == ["tv-only"]
    assert [c.code for c in searched.context["cl"].result_list] == ["phones-only"]


def test_an_administrator_adds_a_contract(admin_client):
    response = admin_client.post(ADD_URL, contract_form())

    assert response.status_code == 302
    contract = SupportContract.objects.get(code="family")
    assert contract.device_categories == ["computer", "television"]


@pytest.mark.parametrize(
    ("categories", "error"),
    [
        (["computer", "toaster"], "Select a valid choice. toaster is not one of the available"),
        ([], "This field is required."),
    ],
)
def test_unknown_or_missing_device_categories_are_refused(admin_client, categories, error):
    response = admin_client.post(ADD_URL, contract_form(device_categories=categories))

    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors["device_categories"])
    assert not SupportContract.objects.exists()


@pytest.mark.parametrize(
    ("categories", "reason"),
    [
        ([], "This field cannot be blank."),
        (["phone", "spaceship"], "Unknown device categories: spaceship."),
        ("phone", "List at least one device category."),
    ],
)
def test_the_catalog_refuses_device_categories_it_could_not_replicate(categories, reason):
    contract = SupportContractFactory.build(device_categories=categories)

    with pytest.raises(ValidationError, match=reason):
        contract.full_clean()
