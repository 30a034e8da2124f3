from django.apps import AppConfig

DATABASE = "ticketing"


class TicketingConfig(AppConfig):
    name = "ticketing"
    verbose_name = "Ticketing quantum"
    database = DATABASE

    def ready(self) -> None:
        from messaging.endpoint import register
        from ticketing.endpoint import endpoint

        register(endpoint)
