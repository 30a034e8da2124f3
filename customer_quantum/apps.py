from django.apps import AppConfig

DATABASE = "customer"


class CustomerQuantumConfig(AppConfig):
    name = "customer_quantum"
    verbose_name = "Customer quantum"
    database = DATABASE

    def ready(self) -> None:
        from customer_quantum.endpoint import endpoint
        from messaging.endpoint import register

        register(endpoint)
