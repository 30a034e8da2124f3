"""Customers: registration, profile and support plan."""

from customer_quantum.models import Customer


def customer_create(*, user_id: int, name: str, email: str) -> Customer:
    customer = Customer(user_id=user_id, name=name, email=email)
    customer.full_clean()
    customer.save()
    return customer
