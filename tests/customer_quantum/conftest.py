import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.customer_quantum.factories import CustomerFactory


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
