import pytest

from identity.services import api_token_issue
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
        return api_token_issue(user=user)[1]

    return key
