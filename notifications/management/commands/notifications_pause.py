from django.core.management.base import BaseCommand

from notifications.services import notifications_pause


class Command(BaseCommand):
    help = "Pauses sending e-mail and SMS for maintenance; requests keep arriving and are held."

    def handle(self, *args, **options) -> None:
        notifications_pause()
        self.stdout.write("Sending paused: new requests are stored and held until resumed.")
