import factory
from django.contrib.auth import get_user_model

from customer_quantum.models import Customer, Ticket


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
