from django.core.management.base import BaseCommand

from operations.staff_groups import staff_groups_setup


class Command(BaseCommand):
    help = (
        "Create the staff groups (billing administrators, helpdesk, experts, managers) with the "
        "permissions of their area, or reset them to exactly those (safe to run again)."
    )

    def handle(self, *args, **options) -> None:
        for name, count in staff_groups_setup().items():
            self.stdout.write(f"{name}: {count} permissions")
