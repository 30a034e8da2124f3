import pytest
from rest_framework.authtoken.models import Token

from tests.customer_quantum.factories import CustomerFactory, SupportContractFactory


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
