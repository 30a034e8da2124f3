"""`manage.py seed_demo_history`: a year of tickets, surveys, payments and invoices for the demo
customers (operations/demo_history.py), once: a customer who already has a plan is left as is."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from customer_quantum.models import Customer
from operations.demo_history import demo_history_seed
from operations.management.commands.seed_demo import CUSTOMERS


class Command(BaseCommand):
    help = "Play a year of history for the demo customers who have none yet (safe to run again)."

    def handle(self, *args, **options) -> None:
        users = dict(
            get_user_model()
            .objects.filter(username__in=[username for username, *_ in CUSTOMERS])
            .values_list("id", "username")
        )
        if not users:
            raise CommandError("there are no demo customers: run seed_demo first")
        customers = {
            users[customer.user_id]: customer
            for customer in Customer.objects.filter(user_id__in=users, support_plan__isnull=True)
        }
        if not customers:
            self.stdout.write("Demo history: already there")
            return
        self.stdout.write(
            f"Demo history for {', '.join(customers)}: {demo_history_seed(customers=customers)}"
        )
