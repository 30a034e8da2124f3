from django.apps import AppConfig

DATABASE = "analytics"


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics quantum"
    database = DATABASE

    def ready(self) -> None:
        from analytics.endpoint import endpoint
        from messaging.endpoint import register

        register(endpoint)
