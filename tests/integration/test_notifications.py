"""Notifications through real processes: billing issues invoices, the customer quantum asks for them
to be sent, and the notifications worker delivers each, by e-mail or SMS as the customer prefers."""

from pathlib import Path

import pytest

from customer_quantum.models import Customer
from notifications.models import Notification
from tests.integration.billing import PERIOD, card_keys, customers_to_bill
from tests.integration.processes import wait_until
from tests.integration.system import StartSystem

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DELIVERY_TIMEOUT_SECONDS = 60


def test_invoices_reach_customers_by_their_preferred_channel(
    start_system: StartSystem, tmp_path: Path
) -> None:
    mail, sms = tmp_path / "mail", tmp_path / "sms"
    system = start_system(
        quanta=("customer", "billing", "notifications"),
        overrides={
            **card_keys(),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail),
            "SMS_BACKEND": "notifications.sms.FileSmsBackend",
            "SMS_FILE_PATH": str(sms),
            "NOTIFICATIONS_SEND_INTERVAL_SECONDS": "1",
        },
    )
    first, *others = customers_to_bill(3)
    Customer.objects.filter(pk=first).update(notification_preference="sms", phone="+1 555 0100")

    run = system.manage("run_payment_job", "--period", PERIOD)

    assert run.returncode == 0, run.stderr
    wait_until(
        lambda: Notification.objects.filter(status="sent").count() == 3,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the notifications worker has sent every invoice",
    )
    assert Notification.objects.count() == 3
    [text] = [path.read_text() for path in sms.iterdir()]
    assert text.startswith("To: +1 555 0100\n")
    e_mails = [path.read_text() for path in mail.iterdir()]
    assert len(e_mails) == 2
    for customer in Customer.objects.filter(pk__in=others):
        assert sum(f"To: {customer.name} <{customer.email}>" in e_mail for e_mail in e_mails) == 1
