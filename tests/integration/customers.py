"""Customers for the integration tests, made the way sign-up makes them."""

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from customer_quantum.models import Customer
from customer_quantum.services.customers import customer_create
from identity.services import api_token_issue


@dataclass(frozen=True)
class CustomerAccount:
    customer: Customer
    token: str


def customer_account_create(*, name: str, email: str) -> CustomerAccount:
    """A user in identity, a customer in its own quantum, and an API token for the mobile app."""
    user = get_user_model().objects.create_user(username=f"customer-{uuid.uuid4().hex[:8]}")
    customer = customer_create(user_id=user.id, name=name, email=email)
    return CustomerAccount(customer=customer, token=api_token_issue(user=user)[1])
