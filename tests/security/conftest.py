import pytest
from django.contrib.auth import get_user_model

from identity.services import api_token_issue
from tests.customer_quantum.factories import CustomerFactory, SupportContractFactory
from tests.ticketing.factories import ArticleFactory, ExpertFactory
from tests.ticketing.factories import TicketFactory as TicketingTicketFactory
from ticketing.jobs import tickets_assign
from ticketing.models import Assignment


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


@pytest.fixture
def expert_user(db):
    user = get_user_model().objects.create_user(username="expert")
    ExpertFactory(user_id=user.id, name="Ada Expert")
    return user


@pytest.fixture
def assignment(expert_user) -> Assignment:
    """A ticket offered to the expert, waiting for their answer."""
    TicketingTicketFactory()
    tickets_assign()
    return Assignment.objects.get()


@pytest.fixture
def article(db):
    return ArticleFactory()
