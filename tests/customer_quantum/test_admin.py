"""Staff see the support-contract replica, its lag and card summaries, and cannot edit them."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from customer_quantum.models import CardSummary
from tests.customer_quantum.factories import CustomerFactory
from tests.ticketing.factories import SupportContractFactory

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def replicated():
    SupportContractFactory(code="premium", name="Premium care")
    call_command("sync_support_contracts", verbosity=0)


def test_staff_see_the_replicated_catalog(admin_client, replicated):
    response = admin_client.get(reverse("admin:customer_quantum_supportcontract_changelist"))

    assert response.status_code == 200
    assert [c.code for c in response.context["cl"].result_list] == ["premium"]


def test_staff_see_how_far_behind_the_replica_is(admin_client, replicated):
    response = admin_client.get(reverse("admin:customer_quantum_replicawatermark_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "lag (since last sync)" in page.lower()
    assert re.search(r'<td class="field-lag">(\d+ ms|\d\.\d s)</td>', page)


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:customer_quantum_supportcontract_add"),
        reverse("admin:customer_quantum_supportcontract_change", args=["premium"]),
        reverse("admin:customer_quantum_supportcontract_delete", args=["premium"]),
    ],
)
def test_nobody_edits_the_replica_by_hand(admin_client, replicated, url):
    response = admin_client.post(url, {"name": "Tampered", "post": "yes"})

    assert response.status_code == 403


def test_staff_see_card_summaries_but_cannot_change_them(admin_client):
    CardSummary.objects.create(
        customer=CustomerFactory(), brand="Visa", last4="4242", expiry_month=1, expiry_year=2031
    )

    listing = admin_client.get(reverse("admin:customer_quantum_cardsummary_changelist"))

    assert listing.status_code == 200
    assert "Visa •••• 4242" in listing.content.decode()
    assert admin_client.get(reverse("admin:customer_quantum_cardsummary_add")).status_code == 403
