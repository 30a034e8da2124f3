"""Health probes against real processes: a worker that listens answers, a missing one is named."""

import subprocess
import sys
import uuid

import httpx
import pytest

from tests.integration.system import REPOSITORY, RunningSystem

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


def test_quanta_status_reads_the_real_broker_and_names_the_queues_nobody_consumes(
    system: RunningSystem,
) -> None:
    synced = system.manage("sync_support_contracts")
    report = system.manage("quanta_status")

    assert synced.returncode == 0, synced.stderr
    # The slice runs workers for the customer and ticketing quanta only.
    assert report.returncode == 1, report.stdout + report.stderr
    assert report.stderr.strip() == (
        "CommandError: billing: no worker consumes its queue; "
        "analytics: no worker consumes its queue; notifications: no worker consumes its queue"
    )
    rows = {line.split()[0]: line.split()[1:] for line in report.stdout.splitlines()}
    assert [rows[quantum][0] for quantum in ("customer", "ticketing", "billing")] == ["1", "1", "0"]
    assert all(rows[quantum][1].isdigit() for quantum in ("customer", "ticketing", "billing"))


def test_quanta_status_counts_a_queue_nobody_declared_yet_as_empty(system: RunningSystem) -> None:
    fresh = {**system.env, "CELERY_BROKER_KEY_PREFIX": f"{uuid.uuid4().hex}:"}

    report = subprocess.run(
        [sys.executable, "manage.py", "quanta_status"],
        cwd=REPOSITORY,
        env=fresh,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    rows = {line.split()[0]: line.split()[1:] for line in report.stdout.splitlines()}
    assert [rows[quantum][1] for quantum in ("customer", "analytics")] == ["0", "0"]
    assert "broker" not in report.stderr
