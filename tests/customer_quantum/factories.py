import uuid
from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from customer_quantum.models import Customer, Invoice, SupportContract, Ticket


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.LazyAttribute(lambda customer: customer.user.id)
    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda customer: customer.user.email)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    customer = factory.SubFactory(CustomerFactory)
    title = factory.Sequence(lambda n: f"Device {n} does not start")
    description = "It worked yesterday."
    device_category = "computer"
    priority = "normal"


class SupportContractFactory(factory.django.DjangoModelFactory):
    """A row of the customer quantum's replica of the catalog."""

    class Meta:
        model = SupportContract

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")
    description = "Repairs at home within the response time."
    monthly_price = Decimal("19.90")
    currency = "USD"
    response_time_hours = 24
    device_categories = ["computer", "phone"]
    active = True
    source_updated_at = factory.LazyFunction(timezone.now)
    replicated_at = factory.LazyFunction(timezone.now)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """The customer's copy of an invoice billing issued."""

    class Meta:
        model = Invoice

    id = factory.LazyFunction(uuid.uuid4)
    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"2026-{n:06d}")
    period = "2026-10"
    issued_on = date(2026, 11, 1)
    lines = factory.LazyFunction(list)
    total = Decimal("59.00")
    currency = "EUR"
    status = "paid"
    issued_at = factory.LazyFunction(timezone.now)
