from messaging import quantum

DATABASE = "ticketing"


class TicketingConfig(quantum.QuantumConfig):
    name = "ticketing"
    verbose_name = "Ticketing quantum"
    database = DATABASE
