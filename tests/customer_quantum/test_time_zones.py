"""Times on the portal are the customer's, named: a time zone on the profile (form and API), and
every portal request runs in it."""

from datetime import UTC, datetime

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customer_quantum.models import Customer
from tests.customer_quantum.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db(databases="__all__")

# 14:05 in Paris, winter time; 22:05 in Tokyo.
SUBMITTED = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)


def profile_form(**changes) -> dict:
    return {
        "name": "Alice",
        "email": "alice@example.com",
        "phone": "",
        "address": "",
        "notification_preference": "email",
        "time_zone": "Europe/Paris",
    } | changes


@pytest.fixture
def portal(client, customer_user):
    client.force_login(customer_user)
    return client


def test_a_new_customer_starts_in_the_zone_the_settings_name(customer_user):
    with override_settings(CUSTOMER_DEFAULT_TIME_ZONE="America/Chicago"):
        assert CustomerFactory().time_zone == "America/Chicago"


def test_the_api_profile_reads_and_changes_the_zone(api, customer):
    assert api.get("/api/customer/profile/").data["time_zone"] == "UTC"

    response = api.patch("/api/customer/profile/", {"time_zone": "Asia/Tokyo"}, format="json")

    assert response.status_code == 200
    assert response.data["time_zone"] == "Asia/Tokyo"
    customer.refresh_from_db()
    assert customer.time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "CET+1", "", "europe/paris", "../etc/passwd"]
)
def test_an_unknown_zone_over_the_api_is_a_400_naming_the_field(api, customer, zone):
    response = api.patch(
        "/api/customer/profile/", {"time_zone": zone, "phone": "+1 555 0100"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["time_zone"]
    customer.refresh_from_db()
    assert (customer.time_zone, customer.phone) == ("UTC", "")


def test_the_profile_form_offers_the_zones_and_saves_one(portal, customer):
    page = portal.get("/profile/").content.decode()
    assert '<option value="Europe/Paris">Europe/Paris</option>' in page
    assert '<option value="America/New_York">America/New York</option>' in page

    response = portal.post("/profile/", profile_form(email=customer.email))

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.time_zone == "Europe/Paris"


def test_an_unknown_zone_in_the_form_is_a_400_next_to_the_field(portal, customer):
    response = portal.post(
        "/profile/", profile_form(email=customer.email, time_zone="Mars/Olympus_Mons")
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "time_zone": [
            "Select a valid choice. Mars/Olympus_Mons is not one of the available choices."
        ]
    }
    assert Customer.objects.get(pk=customer.pk).time_zone == "UTC"


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "30 Nov 2026, 13:05 UTC"),
        ("Europe/Paris", "30 Nov 2026, 14:05 CET"),
        ("Asia/Tokyo", "30 Nov 2026, 22:05 JST"),
    ],
)
def test_pages_show_times_in_the_customers_zone_named(portal, customer, zone, shown):
    Customer.objects.filter(pk=customer.pk).update(time_zone=zone)
    ticket = TicketFactory(customer=customer, submitted_at=SUBMITTED)

    assert shown in portal.get("/").content.decode()
    assert shown in portal.get(f"/tickets/{ticket.id}/").content.decode()


def test_a_summer_time_is_named_as_such(portal, customer):
    Customer.objects.filter(pk=customer.pk).update(time_zone="Europe/Paris")
    TicketFactory(customer=customer, submitted_at=datetime(2026, 7, 1, 13, 5, tzinfo=UTC))

    assert "1 Jul 2026, 15:05 CEST" in portal.get("/").content.decode()


def test_the_zone_ends_with_the_request(portal, customer):
    """The next request served by the same thread (here: the test's) is back in the server's zone."""
    Customer.objects.filter(pk=customer.pk).update(time_zone="Asia/Tokyo")

    portal.get("/")

    assert timezone.get_current_timezone_name() == "UTC"


def test_a_zone_the_machine_no_longer_knows_still_shows_the_page_in_the_servers(portal, customer):
    Customer.objects.filter(pk=customer.pk).update(time_zone="Europe/Atlantis")
    TicketFactory(customer=customer, submitted_at=SUBMITTED)

    response = portal.get("/")

    assert response.status_code == 200
    assert "30 Nov 2026, 13:05 UTC" in response.content.decode()


def test_staff_requests_never_ask_the_customer_database_for_a_zone(client, admin_user):
    client.force_login(admin_user)

    with CaptureQueriesContext(connections["customer"]) as queries:
        assert client.get("/admin/password_change/").status_code == 200

    assert queries.captured_queries == []


def test_a_portal_page_reads_the_customer_once_for_its_zone_and_its_content(portal, customer):
    Customer.objects.filter(pk=customer.pk).update(time_zone="Asia/Tokyo")
    TicketFactory(customer=customer, submitted_at=SUBMITTED)

    with CaptureQueriesContext(connections["customer"]) as queries:
        response = portal.get("/")

    assert "30 Nov 2026, 22:05 JST" in response.content.decode()
    customer_reads = [
        query
        for query in queries.captured_queries
        if 'FROM "customer_quantum_customer"' in query["sql"]
    ]
    assert len(customer_reads) == 1
