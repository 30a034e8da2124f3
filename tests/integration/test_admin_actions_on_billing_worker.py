"""Billing administrators' actions that open a card, through real processes: the web process, which
holds only the public sealing key, queues them in Redis; billing's worker, the one process given
billing's keys, charges the card or replays the card registration; the admin shows the request
queued, then its outcome."""

import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from billing_quantum.card_keys import card_number_encrypt
from billing_quantum.models import BillingAccount, Card, CardStatus, PaymentAlert
from messaging.models import DeadLetter, DeadLetterReplay, OutboxMessage
from tests.integration.admin_site import admin_action, admin_signed_in
from tests.integration.billing import PERIOD, customers_to_bill
from tests.integration.processes import wait_until
from tests.integration.servers import broker_dump, keys_with_prefix
from tests.integration.system import RunningSystem, StartSystem
from tests.integration.test_card_registration import NUMBER, register_card

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

TIMEOUT_SECONDS = 30
PASSWORD = "billing-admin-password"
ALERTS = "/admin/billing_quantum/paymentalert/"
LETTERS = "/admin/messaging/deadletter/?quantum=billing"


@pytest.fixture
def billing_system(start_system: StartSystem) -> RunningSystem:
    # Hashed with a hasher of the product's settings: the test run's own fast one is not among them.
    hasher = PBKDF2PasswordHasher()
    root = get_user_model().objects.create_superuser("root", "root@example.com")
    root.password = hasher.encode(PASSWORD, hasher.salt())
    root.save(update_fields=["password"])
    return start_system(quanta=("customer", "billing"))


def keys_in_environment(pid: int) -> list[str]:
    variables = (Path("/proc") / str(pid) / "environ").read_bytes().decode().split("\0")
    return sorted(
        variable.split("=", 1)[0]
        for variable in variables
        if variable.startswith(("CARD_", "BILLING_CARD_"))
    )


def test_a_retried_charge_is_made_by_billings_worker_and_shown_in_the_admin(
    billing_system: RunningSystem,
) -> None:
    system = billing_system
    (customer_id,) = customers_to_bill(1, number="4000000000009995")
    run = system.manage("run_payment_job", "--period", PERIOD, "--wait")
    assert run.returncode == 0, run.stderr
    alert = PaymentAlert.objects.get()
    key_id, ciphertext = card_number_encrypt("4242424242424242")
    Card.objects.create(
        card_id=uuid.uuid4(),
        account=BillingAccount.objects.get(customer_id=customer_id),
        brand="Visa",
        last4="4242",
        expiry_month=12,
        expiry_year=timezone.now().year + 3,
        holder_name="Customer",
        number_ciphertext=ciphertext,
        key_id=key_id,
        status=CardStatus.ACTIVE,
        registered_at=timezone.now(),
    )

    with admin_signed_in(
        system.base_url, username="root", password=PASSWORD, timeout=TIMEOUT_SECONDS
    ) as admin:
        queued = admin_action(admin, ALERTS, "retry", alert.pk)
        assert "1 retry(ies) queued for billing" in queued
        wait_until(
            lambda: PaymentAlert.objects.filter(pk=alert.pk, retry_finished_at__isnull=False),
            timeout=TIMEOUT_SECONDS,
            what="billing's worker has retried the charge",
        )
        listed = admin.get(ALERTS).text

    alert.refresh_from_db()
    assert (alert.retry_outcome, alert.retry_requested_by) == ("charged", "root")
    assert alert.resolved_at is not None
    assert "charged (" in listed
    assert keys_in_environment(system.web.pid) == ["CARD_SEALING_KEY_ID", "CARD_SEALING_PUBLIC_KEY"]
    assert keys_in_environment(system.workers["billing"].pid) == [
        "BILLING_CARD_KEYS_FILE",
        "CARD_SEALING_KEY_ID",
        "CARD_SEALING_PUBLIC_KEY",
    ]
    assert keys_in_environment(system.workers["customer"].pid) == [
        "CARD_SEALING_KEY_ID",
        "CARD_SEALING_PUBLIC_KEY",
    ]


def test_a_card_registration_replayed_from_the_admin_is_opened_by_billings_worker(
    billing_system: RunningSystem, customer_account
) -> None:
    system = billing_system
    billing_worker = system.workers["billing"]
    billing_worker.stop()
    registered = register_card(system, customer_account.token, NUMBER)
    assert registered.status_code == 202, registered.text
    card_id = registered.json()["id"]
    prefix = system.setting("CELERY_BROKER_KEY_PREFIX")
    wait_until(
        lambda: card_id in broker_dump(settings.CELERY_BROKER_URL, prefix),
        timeout=TIMEOUT_SECONDS,
        what="the card registration waits in billing's queue",
    )
    # Billing gave up on it: buried, it is no longer queued, only the replay can bring it in.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
        *keys_with_prefix(settings.CELERY_BROKER_URL, f"{prefix}billing")
    )
    row = OutboxMessage.objects.using("customer").get(
        type="CardRegistered", payload__card_id=card_id
    )
    letter = DeadLetter.objects.using("billing").create(
        message_id=row.id,
        type=row.type,
        sender="customer",
        envelope={
            "id": str(row.id),
            "type": row.type,
            "version": row.version,
            "occurred_at": row.created_at.isoformat(),
            "correlation_id": str(row.correlation_id),
            "sender": "customer",
            "payload": row.payload,
        },
        error="injected: billing gave up",
        deliveries=5,
        dead_since=timezone.now(),
    )

    with admin_signed_in(
        system.base_url, username="root", password=PASSWORD, timeout=TIMEOUT_SECONDS
    ) as admin:
        queued = admin_action(admin, LETTERS, "replay", letter.pk)
        assert "1 replay(s) queued for the billing worker" in queued
        assert (
            DeadLetterReplay.objects.using("billing").get().outcome == ""
        )  # queued: no worker to run it yet
        billing_worker.start()
        billing_worker.wait_for_log(" ready.", timeout=TIMEOUT_SECONDS)
        replay = wait_until(
            lambda: (
                DeadLetterReplay.objects.using("billing").filter(finished_at__isnull=False).first()
            ),
            timeout=TIMEOUT_SECONDS,
            what="billing's worker has replayed the card registration",
        )
        listed = admin.get("/admin/messaging/deadletterreplay/?quantum=billing").text

    assert (replay.outcome, replay.error) == ("replayed", "")
    assert Card.objects.get(card_id=card_id).status == CardStatus.ACTIVE
    assert not DeadLetter.objects.using("billing").exists()
    assert '<td class="field-state">Replayed</td>' in listed
