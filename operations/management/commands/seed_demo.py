"""Demo data for trying the system by hand: a staff administrator, a few customers, experts and the
support-contract catalog, replicated once so the portal can offer it at once."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from customer_quantum.selectors import customer_of_user
from customer_quantum.services.customers import customer_create
from message_contracts.tickets import DeviceCategory
from operations import staff_groups
from operations.replication import support_contracts_sync
from operations.staff_groups import (
    BILLING_ADMINISTRATORS,
    HELPDESK,
    MANAGERS,
    staff_groups_setup,
)
from ticketing.models import Expert, SupportContract

DEMO_PASSWORD = "sysops-demo"  # noqa: S105 - published demo credentials, printed on start
ADMIN = "admin"
CUSTOMERS = [
    ("alice", "Alice Martin", "alice@example.com"),
    ("bob", "Bob Chen", "bob@example.com"),
    ("carol", "Carol Diaz", "carol@example.com"),
]
DEMO_REGION = "Springfield"
# Experts sign in to the mobile app's API (/api/ticketing/) with the same demo password.
# Each has a phone, so the demo's assignment SMS shows in the notifications worker's log.
EXPERTS = [
    ("ada", "Ada Lovelace", ["computer", "phone", "tablet"], DEMO_REGION, "+1 555 0101"),
    ("grace", "Grace Hopper", ["television", "audio", "camera"], DEMO_REGION, "+1 555 0102"),
    ("linus", "Linus Torvalds", list(DeviceCategory), "Shelbyville", "+1 555 0103"),
]
# One staff member per area, each seeing only their quanta in admin (same password).
STAFF = [("billie", BILLING_ADMINISTRATORS), ("hal", HELPDESK), ("maggie", MANAGERS)]
SUPPORT_CONTRACTS = [
    {
        "code": "basic",
        "name": "Basic care",
        "description": "Repairs of computers and phones; an expert visits within three days.",
        "monthly_price": Decimal("9.99"),
        "response_time_hours": 72,
        "device_categories": [DeviceCategory.COMPUTER, DeviceCategory.PHONE],
    },
    {
        "code": "standard",
        "name": "Standard care",
        "description": "The household's computers, phones, tablets and televisions; next-day visits.",
        "monthly_price": Decimal("24.99"),
        "response_time_hours": 24,
        "device_categories": [
            DeviceCategory.COMPUTER,
            DeviceCategory.PHONE,
            DeviceCategory.TABLET,
            DeviceCategory.TELEVISION,
        ],
    },
    {
        "code": "premium",
        "name": "Premium care",
        "description": "Every device we sell, appliances included; an expert within four hours.",
        "monthly_price": Decimal("59.00"),
        "response_time_hours": 4,
        "device_categories": list(DeviceCategory),
    },
]


class Command(BaseCommand):
    help = "Create the demo administrator, customers and support contracts (safe to run again)."

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        if not users.filter(username=ADMIN).exists():
            users.create_superuser(ADMIN, "admin@example.com", DEMO_PASSWORD)
        staff_groups_setup()
        for username, group in STAFF:
            user = users.filter(username=username).first() or users.create_user(
                username, f"{username}@sysops.example.com", DEMO_PASSWORD, is_staff=True
            )
            user.groups.add(Group.objects.get(name=group))
        for username, name, email in CUSTOMERS:
            user = users.filter(username=username).first()
            if user is None:
                first, last = name.split()
                user = users.create_user(
                    username, email, DEMO_PASSWORD, first_name=first, last_name=last
                )
            if customer_of_user(user.id) is None:
                customer_create(user_id=user.id, name=name, email=email, region=DEMO_REGION)
        for username, name, skills, region, phone in EXPERTS:
            user = users.filter(username=username).first() or users.create_user(
                username, f"{username}@sysops.example.com", DEMO_PASSWORD
            )
            user.groups.add(Group.objects.get(name=staff_groups.EXPERTS))
            Expert.objects.get_or_create(
                user_id=user.id,
                defaults={"name": name, "skills": skills, "region": region, "phone": phone},
            )
        for contract in SUPPORT_CONTRACTS:
            # An administrator's later edits to a demo contract are kept.
            SupportContract.objects.get_or_create(code=contract["code"], defaults=contract)
        self.stdout.write(f"Support contracts: {support_contracts_sync()}")
        portal = settings.PORTAL_BASE_URL
        self.stdout.write(
            f"Portal:       {portal}/  customers {', '.join(c[0] for c in CUSTOMERS)}, "
            f"password {DEMO_PASSWORD}\n"
            f"Staff admin:  {portal}/admin/  {ADMIN} / {DEMO_PASSWORD}; same password: "
            f"{', '.join(f'{name} ({group})' for name, group in STAFF)}\n"
            f"Experts' API: {portal}/api/ticketing/  {', '.join(e[0] for e in EXPERTS)}\n"
            f"API schema:   {portal}/api/schema/"
        )
