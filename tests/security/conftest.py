import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.customer_quantum.factories import CustomerFactory, SupportContractFactory


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def customer_user(customer):
    return get_user_model().objects.get(pk=customer.user_id)


@pytest.fixture
def api(customer_user):
    """An API client signed in as the customer."""
    client = APIClient()
    client.force_authenticate(user=customer_user)
    return client


@pytest.fixture
def other_customer(db):
    return CustomerFactory()


@pytest.fixture
def contract(db):
    """A support contract on offer, so choosing a plan can succeed."""
    return SupportContractFactory(code="standard")


@pytest.fixture
def token_of(db):
    def key(user) -> str:
        return Token.objects.get_or_create(user=user)[0].key

    return key
