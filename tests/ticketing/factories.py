import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from ticketing.models import Article, Expert, SupportContract, Ticket, TicketWord


class SupportContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportContract

    code = factory.Sequence(lambda n: f"plan-{n:05d}")
    name = factory.Sequence(lambda n: f"Care plan {n}")
    description = "Repairs at home by a Sysops Squad expert."
    monthly_price = Decimal("19.99")
    currency = "USD"
    response_time_hours = 24
    device_categories = factory.LazyFunction(lambda: ["computer", "phone"])


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket as ticketing took it in, waiting for the assignment job."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    id = factory.LazyFunction(uuid.uuid4)
    customer_id = factory.Sequence(lambda n: n + 1)
    customer_name = "Alice Martin"
    customer_region = "Springfield"
    title = factory.Sequence(lambda n: f"Device {n} does not start")
    device_category = "phone"
    priority = "normal"
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def words(ticket, create, extracted, **kwargs):
        # As ticket_register writes them: the helpdesk's search reads them.
        if create:
            TicketWord.objects.bulk_create(TicketWord.of(ticket))


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    user_id = factory.Sequence(lambda n: 10_000 + n)
    name = factory.Sequence(lambda n: f"Expert {n}")
    skills = factory.LazyFunction(lambda: ["phone", "computer"])
    region = "Springfield"
    capacity = 3


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    body = "How to fix it."
