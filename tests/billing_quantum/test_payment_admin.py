"""Billing administrators see payments, invoices and payment alerts, search and filter them, and
retry an alert's charge from the admin: queued to billing's worker, which alone opens the card
number; the list shows it queued, then its outcome. No page shows a card number."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from billing_quantum.models import Card, Invoice, PaymentAlert, SimulatedProviderCharge
from tests.billing_quantum.conftest import active_card_add

pytestmark = pytest.mark.django_db(databases="__all__")

PERIOD = "2026-10"


@pytest.fixture
def billed(account_to_bill, month_billed):
    """Alice charged and invoiced, Bob declined with an open alert."""
    account_to_bill(customer_id=7, card_number="4242424242424242")
    bob = account_to_bill(customer_id=8, card_number="4000000000009995")
    month_billed(PERIOD)
    return bob


@pytest.mark.parametrize(
    "page",
    [
        "/admin/billing_quantum/payment/",
        "/admin/billing_quantum/payment/?status__exact=declined&q=8",
        f"/admin/billing_quantum/payment/?period={PERIOD}",
        "/admin/billing_quantum/invoice/",
        "/admin/billing_quantum/invoice/?q=8",
        "/admin/billing_quantum/paymentalert/",
        "/admin/billing_quantum/paymentalert/?state=open",
        "/admin/billing_quantum/paymentrun/",
        "/admin/billing_quantum/paymentchunk/",
    ],
)
def test_the_billing_pages_list_and_show_no_card_number(admin_client, billed, page):
    response = admin_client.get(page)

    assert response.status_code == 200
    content = response.content.decode()
    assert "4242424242424242" not in content
    assert "4000000000009995" not in content


def test_the_payment_runs_page_shows_each_months_progress_and_outcome(admin_client, billed):
    page = admin_client.get("/admin/billing_quantum/paymentrun/").content.decode()

    assert "2 of 2 (100%)" in page
    assert "1 charged, 1 declined, 0 failed (no answer)" in page


def test_the_payment_page_shows_its_invoice(admin_client, billed):
    invoice = Invoice.objects.get()

    page = admin_client.get(f"/admin/billing_quantum/payment/{invoice.payment_id}/change/")

    assert invoice.number in page.content.decode()


ALERTS = "/admin/billing_quantum/paymentalert/"


@pytest.fixture
def as_the_web_process(settings):
    """Holds, inside the block, only the card keys the web process holds: the public key."""

    @contextmanager
    def public_key_only() -> Iterator[None]:
        held = (settings.CARD_SEALING_PRIVATE_KEYS, settings.CARD_STORAGE_KEYS)
        settings.CARD_SEALING_PRIVATE_KEYS = settings.CARD_STORAGE_KEYS = ""
        try:
            yield
        finally:
            settings.CARD_SEALING_PRIVATE_KEYS, settings.CARD_STORAGE_KEYS = held

    return public_key_only


def retry(client, alert: PaymentAlert):
    return client.post(ALERTS, {"action": "retry", "_selected_action": [alert.pk]}, follow=True)


def test_a_retry_is_queued_for_billings_worker_and_the_list_shows_it_then_its_outcome(
    admin_client, billed, as_the_web_process, worker_runs
):
    active_card_add(account=billed, number="4242424242424242")
    alert = PaymentAlert.objects.get()
    charges = SimulatedProviderCharge.objects.count()

    with as_the_web_process():
        response = retry(admin_client, alert)

    assert "1 retry(ies) queued for billing&#x27;s worker" in response.content.decode()
    assert "queued by admin" in response.content.decode()
    alert.refresh_from_db()
    assert (alert.resolved_at, alert.retry_requested_by) == (None, "admin")
    assert SimulatedProviderCharge.objects.count() == charges  # nothing charged by the web
    assert Invoice.objects.count() == 1

    assert worker_runs("billing") == ["billing.retry_payment_alert"]

    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert alert.retry_outcome == "charged"
    assert Invoice.objects.count() == 2
    assert Card.objects.filter(account=billed).count() == 2
    assert "charged (" in admin_client.get(ALERTS).content.decode()


def test_a_retry_delivered_twice_charges_once(admin_client, billed, broker, worker_runs):
    active_card_add(account=billed, number="4242424242424242")
    retry(admin_client, PaymentAlert.objects.get())
    (task,) = broker.queued("billing")

    worker_runs("billing")
    broker.put("billing", task)  # the broker hands the same task over again
    worker_runs("billing")

    assert Invoice.objects.count() == 2
    assert SimulatedProviderCharge.objects.filter(approved=True).count() == 2
    assert PaymentAlert.objects.get().retries == 1


def test_a_worker_without_the_at_rest_keys_records_the_error_for_the_administrator(
    admin_client, billed, as_the_web_process, worker_runs
):
    active_card_add(account=billed, number="4242424242424242")
    alert = PaymentAlert.objects.get()
    retry(admin_client, alert)

    with as_the_web_process():
        worker_runs("billing")

    alert.refresh_from_db()
    assert alert.retry_outcome == (
        "error: ImproperlyConfigured: CARD_STORAGE_KEYS is not set: billing holds no card keys"
    )
    assert alert.resolved_at is None
    assert "error: ImproperlyConfigured" in admin_client.get(ALERTS).content.decode()


def test_a_retry_the_broker_refuses_says_so_and_charges_nothing(admin_client, billed, broker):
    alert = PaymentAlert.objects.get()
    broker.refuse()

    response = retry(admin_client, alert)

    assert response.status_code == 200
    assert "Not queued, the broker refused" in response.content.decode()
    alert.refresh_from_db()
    assert alert.retry_outcome.startswith("not queued, the broker refused")
    assert alert.retry_finished_at is not None
    assert alert.retries == 0


def test_retrying_needs_its_own_permission(client, billed):
    viewer = get_user_model().objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_paymentalert"))
    client.force_login(viewer)

    page = client.get("/admin/billing_quantum/paymentalert/").content.decode()

    assert 'value="retry"' not in page

    forged = retry(client, PaymentAlert.objects.get())

    assert forged.status_code == 200
    assert PaymentAlert.objects.get().retry_requested_at is None


def test_payments_are_filtered_by_a_month_offered_back_from_the_month_just_ended(
    admin_client, billed
):
    listed = admin_client.get("/admin/billing_quantum/payment/", {"period": PERIOD})
    other_month = admin_client.get("/admin/billing_quantum/payment/", {"period": "2026-09"})

    assert len(listed.context["cl"].result_list) == 2
    assert len(other_month.context["cl"].result_list) == 0
    offered = [
        choice["display"]
        for choice in listed.context["cl"].filter_specs[1].choices(listed.context["cl"])
    ]
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert offered[1] == last_month
