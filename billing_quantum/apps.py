from django.apps import AppConfig

DATABASE = "billing"


class BillingQuantumConfig(AppConfig):
    name = "billing_quantum"
    verbose_name = "Billing quantum"
    database = DATABASE

    def ready(self) -> None:
        from billing_quantum.endpoint import endpoint
        from messaging.endpoint import register

        register(endpoint)
