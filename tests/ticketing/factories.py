from decimal import Decimal

import factory

from ticketing.models import SupportContract


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
