from django.core.management.base import BaseCommand

from notifications.services import notifications_resume


class Command(BaseCommand):
    help = "Resumes sending; what arrived while paused is sent once each, oldest first."

    def handle(self, *args, **options) -> None:
        released = notifications_resume()
        self.stdout.write(f"Sending resumed: {released} held notifications released, oldest first.")
