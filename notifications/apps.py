from messaging import quantum

DATABASE = "notifications"


class NotificationsConfig(quantum.QuantumConfig):
    name = "notifications"
    verbose_name = "Notifications quantum"
    database = DATABASE
