from django.db.backends.signals import connection_created

from messaging import quantum

DATABASE = "analytics"


class AnalyticsConfig(quantum.QuantumConfig):
    name = "analytics"
    verbose_name = "Analytics quantum"
    database = DATABASE

    def ready(self) -> None:
        super().ready()
        from analytics.aggregates import percentile_registered

        connection_created.connect(percentile_registered, dispatch_uid="analytics-percentile")
