"""Billing's private sealing key and at-rest key are in billing's worker only: a web process started
as `make run` starts it, serving a card registration and billing administrators' pages and actions
(retry a charge, replay a card registration), holds none of them in its settings or environment
and opens no file of the key folder but the public one; the actions that need a card are queued
to billing's worker."""

import base64
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from billing_quantum.card_keys import (
    BILLING_ENV_FILE,
    PUBLIC_ENV_FILE,
    SEALING_PRIVATE_KEYS_FILE,
    STORAGE_KEYS_FILE,
    keyring_parse,
)
from operations.embedded.broker import broker_socket, redis_server_argv
from tests.integration.admin_site import admin_action, admin_signed_in
from tests.integration.processes import ManagedProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 60
DEMO_PASSWORD = "sysops-demo"
CARD = {
    "number": "4242 4242 4242 4242",
    "expiry_month": 9,
    "expiry_year": 2033,
    "cvc": "913",
    "holder_name": "Alice Martin",
}

# Billing's side of the fixture, run as billing's worker would (with its keys): a charge declined
# with an open alert, and the web's card registration buried in billing's dead letters.
BILLING_SETUP = """
import json
from datetime import UTC, datetime
from decimal import Decimal
from django.utils import timezone
from billing_quantum.card_keys import card_number_encrypt
from billing_quantum.jobs import payment_chunk_bill, payment_run_plan
from billing_quantum.payment_provider import payment_provider
from billing_quantum.models import BillingAccount, Card, PaymentAlert
from messaging.models import DeadLetter, OutboxMessage
row = OutboxMessage.objects.using("customer").get(type="CardRegistered")
letter = DeadLetter.objects.using("billing").create(
    message_id=row.id, type=row.type, sender="customer", deliveries=5, dead_since=timezone.now(),
    error="injected: billing gave up", envelope={
        "id": str(row.id), "type": row.type, "version": row.version,
        "occurred_at": row.created_at.isoformat(), "correlation_id": str(row.correlation_id),
        "sender": "customer", "payload": row.payload,
    },
)
plan_started_at = datetime(2026, 9, 1, tzinfo=UTC)  # before the month billed
account = BillingAccount.objects.create(
    customer_id=999, customer_name="Bob", contract_code="premium", monthly_price=Decimal("9.90"),
    currency="EUR", plan_chosen_at=plan_started_at, plan_started_at=plan_started_at,
)
key_id, ciphertext = card_number_encrypt("4000000000009995")
Card.objects.create(
    card_id=row.payload["card_id"], account=account, brand="Visa", last4="9995", expiry_month=9,
    expiry_year=2033, holder_name="Bob", number_ciphertext=ciphertext, key_id=key_id,
    status="active", registered_at=timezone.now(),
)
for chunk in payment_run_plan(period="2026-10").run.chunks.all():
    payment_chunk_bill(chunk_id=chunk.pk, provider=payment_provider())
print(json.dumps({"alert": PaymentAlert.objects.get().pk, "letter": letter.pk}))
"""


def product_environment(var_dir: Path) -> dict[str, str]:
    """The embedded default, whatever the test run was given: no card keys, no servers but its own
    broker."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CARD_", "BILLING_CARD_", "CELERY_BROKER_"))
        and not name.endswith("DATABASE_URL")
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SYSOPS_VAR_DIR": str(var_dir),
        "PAYMENT_JOB_CONCURRENT_CHARGES": "1",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def secrets_of(folder: Path) -> list[str]:
    """Billing's private sealing and at-rest keys, as base64 and as the raw hex of their bytes."""
    keys = [
        *keyring_parse((folder / SEALING_PRIVATE_KEYS_FILE).read_text(), key_size=32).values(),
        *keyring_parse((folder / STORAGE_KEYS_FILE).read_text(), key_size=32).values(),
    ]
    return [text for key in keys for text in (base64.b64encode(key).decode(), key.hex())]


@pytest.fixture
def embedded_broker(tmp_path: Path) -> Iterator[redis.Redis]:
    """The embedded default's own redis-server for the test's var folder, as `make run` starts it."""
    var_dir = tmp_path / "var"
    broker_socket(var_dir).parent.mkdir(parents=True, mode=0o700)
    broker = ManagedProcess(
        "broker", redis_server_argv(var_dir), env={}, cwd=ROOT, log_path=tmp_path / "broker.log"
    ).start()
    try:
        broker.wait_until_ready(
            lambda: broker_socket(var_dir).exists(), timeout=TIMEOUT_SECONDS, what="listens"
        )
        yield redis.Redis(unix_socket_path=str(broker_socket(var_dir)))
    finally:
        broker.stop()


def test_the_web_process_holds_and_opens_no_private_card_key(tmp_path, embedded_broker):
    var_dir = tmp_path / "var"
    env = product_environment(var_dir)
    keys = var_dir / "keys"
    for step in (["generate_card_keys", "--embedded"], ["migrate_all_databases"], ["seed_demo"]):
        manage(env, *step)  # what `make run` does before it starts the processes
    report, port = tmp_path / "web-report.json", free_port()
    web = ManagedProcess(
        "web",
        [
            sys.executable,
            "-m",
            "tests.security.opened_files",
            str(report),
            str(keys),
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
        ],
        env=env,
        cwd=ROOT,
        log_path=tmp_path / "web.log",
    ).start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        web.wait_until_ready(
            lambda: _answers(base_url), timeout=TIMEOUT_SECONDS, what="answers HTTP"
        )
        token = httpx.post(
            f"{base_url}/api/auth/token/",
            json={"username": "alice", "password": DEMO_PASSWORD},
            timeout=TIMEOUT_SECONDS,
        ).json()["token"]
        registered = httpx.post(
            f"{base_url}/api/customer/cards/",
            headers={"Authorization": f"Token {token}"},
            json=CARD,
            timeout=TIMEOUT_SECONDS,
        )
        assert registered.status_code == 202, registered.text
        rows = json.loads(
            manage(
                {**env, "BILLING_CARD_KEYS_FILE": str(keys / BILLING_ENV_FILE)},
                "shell",
                "--verbosity=0",
                "-c",
                BILLING_SETUP,
            ).splitlines()[-1]
        )

        with admin_signed_in(
            base_url, username="admin", password=DEMO_PASSWORD, timeout=TIMEOUT_SECONDS
        ) as admin:
            for page in ("card", "payment", "invoice"):
                assert admin.get(f"/admin/billing_quantum/{page}/").status_code == 200
            for page in ("deadletter", "deadletterreplay"):
                assert admin.get(f"/admin/messaging/{page}/?quantum=billing").status_code == 200
            retried = admin_action(
                admin, "/admin/billing_quantum/paymentalert/", "retry", rows["alert"]
            )
            replayed = admin_action(
                admin, "/admin/messaging/deadletter/?quantum=billing", "replay", rows["letter"]
            )
        environment = (Path("/proc") / str(web.pid) / "environ").read_bytes().decode()
        queued_for_billing = embedded_broker.llen("billing")
    finally:
        web.send_signal(signal.SIGTERM)
    assert web.wait_for_exit(timeout=TIMEOUT_SECONDS) == 0, web.log_tail()

    assert "1 retry(ies) queued for billing" in retried and "queued by admin" in retried
    assert "1 replay(s) queued for the billing worker" in replayed
    # The card registration, the month's chunk (billed by the setup already), the retry and the
    # replay.
    assert queued_for_billing == 4
    seen = json.loads(report.read_text())
    assert seen["opened"] == [str((keys / PUBLIC_ENV_FILE).resolve())]
    assert seen["settings"]["CARD_SEALING_PRIVATE_KEYS"] == "''"
    assert seen["settings"]["CARD_STORAGE_KEYS"] == "''"
    assert seen["settings"]["CARD_STORAGE_KEY_ID"] == "''"
    assert "BILLING_CARD_KEYS_FILE" not in environment
    assert "CARD_" not in environment
    for secret in secrets_of(keys):
        assert secret not in json.dumps(seen["settings"])
        assert secret not in environment
        assert secret not in web.log()


def _answers(base_url: str) -> bool:
    try:
        httpx.get(f"{base_url}/health/", timeout=2)
    except httpx.TransportError:
        return False
    return True
