"""Health probes against real processes: a worker that listens answers, a missing one is named."""

import httpx
import pytest

from tests.integration.system import RunningSystem

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


def test_the_probes_tell_running_workers_from_missing_ones(system: RunningSystem) -> None:
    listening = system.manage("worker_health", "ticketing")
    missing = system.manage("worker_health", "billing")
    ready = httpx.get(f"{system.base_url}/health/ready/", timeout=10)

    assert listening.returncode == 0, listening.stderr
    assert "ticketing: database, broker and workers answer" in listening.stdout
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("no worker answered on the billing queue")
    assert ready.status_code == 200
    assert set(ready.json()["checks"].values()) == {"ok"}
