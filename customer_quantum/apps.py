from messaging import quantum

DATABASE = "customer"


class CustomerQuantumConfig(quantum.QuantumConfig):
    name = "customer_quantum"
    verbose_name = "Customer quantum"
    database = DATABASE
