from messaging import quantum

DATABASE = "billing"


class BillingQuantumConfig(quantum.QuantumConfig):
    name = "billing_quantum"
    verbose_name = "Billing quantum"
    database = DATABASE
