"""Demo data for trying the system by hand: a staff administrator and a few customers."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from customer_quantum.selectors import customer_of_user
from customer_quantum.services.customers import customer_create

DEMO_PASSWORD = "sysops-demo"  # noqa: S105 - published demo credentials, printed on start
ADMIN = "admin"
CUSTOMERS = [
    ("alice", "Alice Martin", "alice@example.com"),
    ("bob", "Bob Chen", "bob@example.com"),
    ("carol", "Carol Diaz", "carol@example.com"),
]


class Command(BaseCommand):
    help = "Create the demo administrator and customers (safe to run again)."

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        if not users.filter(username=ADMIN).exists():
            users.create_superuser(ADMIN, "admin@example.com", DEMO_PASSWORD)
        for username, name, email in CUSTOMERS:
            user = users.filter(username=username).first()
            if user is None:
                first, last = name.split()
                user = users.create_user(
                    username, email, DEMO_PASSWORD, first_name=first, last_name=last
                )
            if customer_of_user(user.id) is None:
                customer_create(user_id=user.id, name=name, email=email)
        self.stdout.write(
            "Demo ready. Portal: http://127.0.0.1:8000/ "
            f"(customers {', '.join(c[0] for c in CUSTOMERS)}, password {DEMO_PASSWORD}); "
            f"staff admin: http://127.0.0.1:8000/admin/ ({ADMIN} / {DEMO_PASSWORD})"
        )
