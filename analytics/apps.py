from messaging import quantum

DATABASE = "analytics"


class AnalyticsConfig(quantum.QuantumConfig):
    name = "analytics"
    verbose_name = "Analytics quantum"
    database = DATABASE
