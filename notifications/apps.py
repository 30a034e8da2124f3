from django.apps import AppConfig

DATABASE = "notifications"


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications quantum"
    database = DATABASE

    def ready(self) -> None:
        from messaging.endpoint import register
        from notifications.endpoint import endpoint

        register(endpoint)
