"""quanta_status: the pipes at a glance, and a non-zero exit when something is past its threshold."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from customer_quantum.endpoint import endpoint as customer_endpoint
from customer_quantum.models import OutboxMessage
from ticketing.models import DeadLetter

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def replica_synced():
    call_command("sync_support_contracts", verbosity=0)


@pytest.fixture
def troubled(ticket_created, replica_synced, broker_folder):
    """A message nobody confirmed for an hour, and a dead letter in ticketing."""
    customer_endpoint.publish(ticket_created())
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(hours=1))
    DeadLetter.objects.create(
        envelope={}, error="InjectedFault", deliveries=5, dead_since=timezone.now()
    )


def test_a_healthy_system_prints_every_quantum_and_exits_zero(replica_synced, capsys):
    call_command("quanta_status")

    out = capsys.readouterr().out
    for quantum in ("customer", "billing", "ticketing", "analytics", "notifications"):
        assert f"\n{quantum} " in out
    assert "support-contract replica: last synced 0m00s ago" in out
    assert "all within thresholds" in out


def test_problems_are_named_in_one_line_and_the_exit_is_non_zero(troubled, capsys):
    with pytest.raises(CommandError) as failure:
        call_command("quanta_status")

    assert str(failure.value) == (
        "customer: a message unconfirmed for 1h00m; ticketing: 1 dead letter(s)"
    )
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()}
    assert rows["customer"] == ["1", "1h00m", "0", "0", "0"]
    assert rows["ticketing"] == ["0", "-", "1", "0", "0"]


def test_a_replica_that_never_synced_is_a_problem():
    with pytest.raises(CommandError, match="support-contract replica: never synced"):
        call_command("quanta_status")


def test_staff_see_the_same_report(admin_client, troubled):
    page = admin_client.get("/operations/status/").content.decode()

    assert "ticketing: 1 dead letter(s)" in page
    assert "customer: a message unconfirmed for 1h00m" in page


def test_the_report_is_for_staff_only(client):
    response = client.get("/operations/status/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
