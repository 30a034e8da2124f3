"""Health endpoints and the worker probe: what is needed decides readiness, the rest is reported."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_web_process_is_alive(client):
    response = client.get("/health/live/")

    assert (response.status_code, response.json()) == (200, {"status": "alive"})


def test_the_web_process_is_ready_when_everything_answers(client):
    response = client.get("/health/ready/")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert set(checks) == {
        "database default",
        "database customer",
        "database billing",
        "database ticketing",
        "database analytics",
        "database notifications",
        "broker",
    }
    assert set(checks.values()) == {"ok"}


def test_the_portal_stays_ready_without_a_broker_which_is_reported(client, broker_refusing):
    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert "Connection refused" in response.json()["checks"]["broker"]


def test_the_worker_probe_names_an_unknown_quantum():
    with pytest.raises(CommandError, match="unknown quantum 'payroll'; choose from customer"):
        call_command("worker_health", "payroll")


def test_the_worker_probe_fails_when_the_broker_refuses(broker_refusing):
    with pytest.raises(CommandError, match="broker: OperationalError"):
        call_command("worker_health", "billing")
