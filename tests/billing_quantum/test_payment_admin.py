"""Billing administrators see payments, invoices and payment alerts, search and filter them, and
retry an alert's charge from the admin; no page shows a card number."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from billing_quantum.jobs import payment_job_run
from billing_quantum.models import Card, Invoice, PaymentAlert
from tests.billing_quantum.conftest import active_card_add

pytestmark = pytest.mark.django_db(databases="__all__")

PERIOD = "2026-10"


@pytest.fixture
def billed(account_to_bill):
    """Alice charged and invoiced, Bob declined with an open alert."""
    account_to_bill(customer_id=7, card_number="4242424242424242")
    bob = account_to_bill(customer_id=8, card_number="4000000000009995")
    payment_job_run(period=PERIOD)
    return bob


@pytest.mark.parametrize(
    "page",
    [
        "/admin/billing_quantum/payment/",
        "/admin/billing_quantum/payment/?status__exact=declined&q=Customer+8",
        "/admin/billing_quantum/invoice/",
        "/admin/billing_quantum/invoice/?q=2026",
        "/admin/billing_quantum/paymentalert/",
        "/admin/billing_quantum/paymentalert/?state=open",
    ],
)
def test_the_billing_pages_list_and_show_no_card_number(admin_client, billed, page):
    response = admin_client.get(page)

    assert response.status_code == 200
    content = response.content.decode()
    assert "4242424242424242" not in content
    assert "4000000000009995" not in content


def test_the_payment_page_shows_its_invoice(admin_client, billed):
    invoice = Invoice.objects.get()

    page = admin_client.get(f"/admin/billing_quantum/payment/{invoice.payment_id}/change/")

    assert invoice.number in page.content.decode()


def test_an_administrator_retries_an_alert_after_the_customer_added_a_card(admin_client, billed):
    active_card_add(account=billed, number="4242424242424242")
    alert = PaymentAlert.objects.get()

    response = admin_client.post(
        "/admin/billing_quantum/paymentalert/",
        {"action": "retry", "_selected_action": [alert.pk]},
        follow=True,
    )

    assert "1 charged" in response.content.decode()
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert Invoice.objects.count() == 2
    assert Card.objects.filter(account=billed).count() == 2


def test_retrying_needs_its_own_permission(client, billed):
    viewer = get_user_model().objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_paymentalert"))
    client.force_login(viewer)

    page = client.get("/admin/billing_quantum/paymentalert/").content.decode()

    assert 'value="retry"' not in page
