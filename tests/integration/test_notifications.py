"""Notifications through real processes: billing issues invoices, the customer quantum asks for them
to be sent, and the notifications worker delivers each, by e-mail or SMS as the customer prefers.
Paused for maintenance, it holds every request that arrives; resumed, it sends each once, in the
order they arrived."""

import email
import re
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

from billing_quantum.models import Invoice
from customer_quantum.models import Customer
from customer_quantum.models import Invoice as ReceivedInvoice
from messaging.models import InboxMessage, OutboxMessage
from notifications.models import DeliveryAttempt, Notification
from tests.integration.billing import PERIOD, customers_to_bill
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.processes import ManagedProcess, wait_until
from tests.integration.system import RunningSystem, StartSystem

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DELIVERY_TIMEOUT_SECONDS = 120
INVOICES_WHILE_PAUSED = 40
# The sending step runs every second: this many runs find everything held and send nothing.
SENDING_STEPS_WHILE_PAUSED = 5
# Runs after everything went out, in which a second sending of anything would show.
SENDING_STEPS_AFTER_ALL_SENT = 2
SENDING_STEP_RAN = re.compile(r"Task notifications\.send_due\[[^\]]+\] succeeded")
INVOICE_NUMBER = re.compile(r"\b\d{4}-\d{6}\b")
# Django's file e-mail backend writes this line after each message, several messages to a file.
E_MAIL_END = "-" * 79 + "\n"


@dataclass(frozen=True)
class Delivered:
    """What left the system: the folders the notifications worker's e-mail and SMS backends write."""

    mail: Path
    sms: Path

    def settings(self) -> dict[str, str]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "SMS_BACKEND": "notifications.sms.FileSmsBackend",
            "SMS_FILE_PATH": str(self.sms),
        }

    def e_mails(self) -> list[Message]:
        return [
            email.message_from_string(text)
            for path in sorted(self.mail.glob("*"))
            for text in path.read_text().split(E_MAIL_END)
            if text.strip()
        ]

    def texts(self) -> list[str]:
        return [path.read_text() for path in sorted(self.sms.glob("*"))]

    def invoice_numbers(self) -> list[str]:
        """The invoice named by each e-mail's subject and each SMS: one each."""
        return [invoice_number(e_mail["Subject"]) for e_mail in self.e_mails()] + [
            invoice_number(text) for text in self.texts()
        ]


def invoice_number(text: str) -> str:
    numbers = INVOICE_NUMBER.findall(text)
    assert len(numbers) == 1, f"not one invoice number in {text!r}"
    return numbers[0]


@pytest.fixture
def delivered(tmp_path: Path) -> Delivered:
    return Delivered(mail=tmp_path / "mail", sms=tmp_path / "sms")


@pytest.fixture
def notifying_system(start_system: StartSystem, delivered: Delivered) -> RunningSystem:
    """Billing issues invoices, the customer quantum stores them and asks for each to be sent."""
    return start_system(
        quanta=("customer", "billing", "notifications"),
        overrides={
            **delivered.settings(),
            "NOTIFICATIONS_SEND_INTERVAL_SECONDS": "1",
        },
    )


def sending_steps(worker: ManagedProcess) -> int:
    return len(SENDING_STEP_RAN.findall(worker.log_since_start()))


def wait_for_sending_steps(worker: ManagedProcess, runs: int, *, what: str) -> None:
    start = sending_steps(worker)
    wait_until(
        lambda: sending_steps(worker) >= start + runs,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what=f"the sending step has run {runs} more times {what}",
    )


def test_invoices_reach_customers_by_their_preferred_channel(
    notifying_system: RunningSystem, delivered: Delivered
) -> None:
    first, *others = customers_to_bill(3)
    Customer.objects.filter(pk=first).update(notification_preference="sms", phone="+1 555 0100")

    run = notifying_system.manage("run_payment_job", "--period", PERIOD, "--wait")

    assert run.returncode == 0, run.stderr
    wait_until(
        lambda: Notification.objects.filter(status="sent").count() == 3,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the notifications worker has sent every invoice",
    )
    assert Notification.objects.count() == 3
    [text] = delivered.texts()
    assert text.startswith("To: +1 555 0100\n")
    e_mails = delivered.e_mails()
    assert len(e_mails) == 2
    for customer in Customer.objects.filter(pk__in=others):
        assert [e_mail["To"] for e_mail in e_mails].count(
            f"{customer.name} <{customer.email}>"
        ) == 1


@pytest.mark.fault("notifications paused while invoices are issued")
def test_invoices_issued_while_sending_is_paused_are_each_sent_once_in_order_when_resumed(
    notifying_system: RunningSystem, delivered: Delivered, fault_report: FaultReport
) -> None:
    system = notifying_system
    worker = system.workers["notifications"]
    customers = customers_to_bill(INVOICES_WHILE_PAUSED)
    by_sms = customers[::4]
    Customer.objects.filter(pk__in=by_sms).update(
        notification_preference="sms", phone="+1 555 0100"
    )

    pause = system.manage("notifications_pause")
    assert pause.returncode == 0, pause.stderr
    run = system.manage("run_payment_job", "--period", PERIOD, "--wait")
    assert run.returncode == 0, run.stderr
    fault_report.watch(
        sent=Invoice.objects.values_list("number", flat=True),
        applied=delivered.invoice_numbers,
        inbox=InboxMessage.objects.using("notifications").filter(type="NotificationRequested"),
    )

    wait_until(
        lambda: ReceivedInvoice.objects.count() == INVOICES_WHILE_PAUSED,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the customer quantum has stored every invoice",
    )
    wait_until(
        lambda: Notification.objects.filter(status="held").count() == INVOICES_WHILE_PAUSED,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="notifications holds a request for every invoice",
    )
    # Held is settled: every request is confirmed to the customer quantum, so however long the
    # pause lasts nothing is handed over again; the held rows are the record until sent.
    requests = OutboxMessage.objects.using("customer").filter(type="NotificationRequested")
    wait_until(
        lambda: requests.filter(confirmed_at__isnull=False).count() == INVOICES_WHILE_PAUSED,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="notifications has confirmed every request to the customer quantum",
    )
    wait_for_sending_steps(worker, SENDING_STEPS_WHILE_PAUSED, what="while everything is held")
    assert requests.count() == INVOICES_WHILE_PAUSED
    assert Notification.objects.filter(status="held").count() == Notification.objects.count()
    assert not DeliveryAttempt.objects.exists()
    assert delivered.invoice_numbers() == []

    resume = system.manage("notifications_resume")

    assert resume.returncode == 0, resume.stderr
    assert f"{INVOICES_WHILE_PAUSED} held notifications released" in resume.stdout
    wait_until(
        lambda: Notification.objects.filter(status="sent").count() == INVOICES_WHILE_PAUSED,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        what="the notifications worker has sent every held invoice",
    )
    wait_for_sending_steps(worker, SENDING_STEPS_AFTER_ALL_SENT, what="after everything was sent")
    assert fault_report.count() == FaultCounts(
        sent=INVOICES_WHILE_PAUSED, applied=INVOICES_WHILE_PAUSED, lost=0, duplicated=0
    )
    assert sorted(invoice_number(text) for text in delivered.texts()) == sorted(
        Invoice.objects.filter(account__customer_id__in=by_sms).values_list("number", flat=True)
    )
    assert DeliveryAttempt.objects.filter(succeeded=True).count() == INVOICES_WHILE_PAUSED
    assert DeliveryAttempt.objects.count() == INVOICES_WHILE_PAUSED
    # Oldest first, as the quantum promises: in the order the requests arrived.
    sent = Notification.objects.values_list("reference", flat=True)
    assert list(sent.order_by("sent_at")) == list(sent.order_by("received_at", "pk"))
