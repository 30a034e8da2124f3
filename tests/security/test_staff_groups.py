"""Staff see only their quantum: each group gets its area's admin, and billing data (accounts, cards,
payments, invoices, alerts, card summaries) is for billing administrators alone."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from operations.staff_groups import BILLING_ADMINISTRATORS, EXPERTS, HELPDESK, MANAGERS

pytestmark = pytest.mark.django_db(databases="__all__")

BILLING_PAGES = [
    "/admin/billing_quantum/billingaccount/",
    "/admin/billing_quantum/card/",
    "/admin/billing_quantum/payment/",
    "/admin/billing_quantum/invoice/",
    "/admin/billing_quantum/paymentalert/",
    "/admin/customer_quantum/cardsummary/",
    # Billing's kernel rows: its dead letters carry sealed card data.
    "/admin/messaging/deadletter/?quantum=billing",
    "/admin/messaging/outboxmessage/?quantum=billing",
]


@pytest.fixture
def staff_member(db):
    call_command("setup_staff_groups")

    def sign_in(group: str) -> Client:
        user = get_user_model().objects.create_user(
            f"staff-{group.split()[0].lower()}", password="x", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        client = Client()
        client.force_login(user)
        return client

    return sign_in


def apps_on_the_admin_index(client: Client) -> set[str]:
    response = client.get("/admin/")
    assert response.status_code == 200
    return {app["app_label"] for app in response.context["app_list"]}


@pytest.mark.parametrize(
    ("group", "apps"),
    [
        (BILLING_ADMINISTRATORS, {"billing_quantum", "customer_quantum", "messaging"}),
        (HELPDESK, {"customer_quantum", "ticketing"}),
        (EXPERTS, {"ticketing"}),
        (MANAGERS, {"analytics", "ticketing", "messaging"}),
    ],
)
def test_each_group_sees_the_admin_of_its_own_area_only(staff_member, group, apps):
    assert apps_on_the_admin_index(staff_member(group)) == apps


@pytest.mark.parametrize("group", [HELPDESK, EXPERTS, MANAGERS])
@pytest.mark.parametrize("page", BILLING_PAGES)
def test_nobody_but_billing_administrators_opens_a_billing_page(staff_member, group, page):
    assert staff_member(group).get(page).status_code == 403


@pytest.mark.parametrize("page", BILLING_PAGES)
def test_billing_administrators_open_every_billing_page(staff_member, page):
    assert staff_member(BILLING_ADMINISTRATORS).get(page).status_code == 200


def test_billing_administrators_see_no_other_quantums_kernel_rows(staff_member):
    billing = staff_member(BILLING_ADMINISTRATORS)

    assert billing.get("/admin/messaging/deadletter/").status_code == 200  # billing's, unasked
    assert billing.get("/admin/messaging/deadletter/?quantum=customer").status_code == 403


def test_the_helpdesk_sees_customers_but_not_their_cards(staff_member):
    helpdesk = staff_member(HELPDESK)
    models = {
        model["object_name"]
        for app in helpdesk.get("/admin/").context["app_list"]
        for model in app["models"]
    }

    assert {"Customer", "SurveyInvitation"} <= models
    assert "CardSummary" not in models


def test_setting_up_the_groups_again_changes_nothing(capsys):
    call_command("setup_staff_groups")
    first = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    call_command("setup_staff_groups")
    second = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }

    assert first == second
    assert set(first) == {BILLING_ADMINISTRATORS, HELPDESK, EXPERTS, MANAGERS}
    assert "Helpdesk: 8 permissions" in capsys.readouterr().out


def test_the_demo_gives_each_area_a_staff_member():
    call_command("seed_demo")

    groups = {
        user.username: {group.name for group in user.groups.all()}
        for user in get_user_model().objects.filter(groups__isnull=False).distinct()
    }
    assert groups["billie"] == {BILLING_ADMINISTRATORS}
    assert groups["hal"] == {HELPDESK}
    assert groups["maggie"] == {MANAGERS}
    assert groups["ada"] == {EXPERTS}
