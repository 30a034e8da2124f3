"""Faults are seen at once: quanta_status names each within 30 s and exits non-zero while it lasts,
0 once it clears, and /metrics shows it, against real workers, PostgreSQL and Redis."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import remember_processes
from tests.integration.customers import CustomerAccount
from tests.integration.databases import database_down
from tests.integration.processes import ManagedProcess, wait_until
from tests.integration.servers import RedisServer
from tests.integration.system import REPOSITORY, RunningSystem, StartSystem, venv_command

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

SEEN_WITHIN_SECONDS = 30
# Workers reconnect to a broker that is back with a growing back-off.
CLEARED_WITHIN_SECONDS = 60
OTHER_QUANTA = "billing,analytics,notifications"


def _every_queue_consumed(request: pytest.FixtureRequest, system: RunningSystem) -> RunningSystem:
    """The slice's workers, and one worker for the other quanta, so nothing else is a problem."""
    others = ManagedProcess(
        "other-quanta-worker",
        venv_command(
            "celery",
            f"-A config worker --queues {OTHER_QUANTA} --concurrency 1 --loglevel INFO"
            f" --without-gossip --without-mingle --hostname others-{uuid.uuid4().hex[:8]}@%h",
        ),
        env=system.env,
        cwd=REPOSITORY,
        log_path=system.workdir / "other-quanta-worker.log",
    )
    remember_processes(request, others)
    request.addfinalizer(others.stop)
    others.start().wait_for_log(" ready.", timeout=60)
    synced = system.manage("sync_support_contracts")
    assert synced.returncode == 0, synced.stderr
    return system


@pytest.fixture
def system(request: pytest.FixtureRequest, start_system: StartSystem) -> Iterator[RunningSystem]:
    yield _every_queue_consumed(request, start_system())


@pytest.fixture
def system_on_private_redis(
    request: pytest.FixtureRequest, private_redis: RedisServer, start_system: StartSystem
) -> RunningSystem:
    return _every_queue_consumed(request, start_system(broker_url=private_redis.url))


def problems(system: RunningSystem) -> str | None:
    """quanta_status's one line of problems, or None when it exits 0."""
    report = system.manage("quanta_status")
    if report.returncode == 0:
        return None
    assert report.stderr.startswith("CommandError: "), report.stderr
    return report.stderr.removeprefix("CommandError: ").strip()


def named(system: RunningSystem, problem: str) -> str:
    return wait_until(
        lambda: (found := problems(system)) and problem in found and found,
        timeout=SEEN_WITHIN_SECONDS,
        what=f"quanta_status names {problem!r}",
    )


def cleared(system: RunningSystem) -> None:
    wait_until(
        lambda: problems(system) is None,
        timeout=CLEARED_WITHIN_SECONDS,
        what="quanta_status exits 0 again",
    )


def gauges(system: RunningSystem) -> dict[tuple[str, str | None], float]:
    response = httpx.get(f"{system.base_url}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    return {
        (sample.name, sample.labels.get("quantum")): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_a_killed_worker_leaves_its_queue_unconsumed_until_one_is_back(
    system: RunningSystem,
) -> None:
    cleared(system)
    worker = system.workers["ticketing"]

    worker.kill()

    named(system, "ticketing: no worker consumes its queue")
    assert gauges(system)[("sysops_queue_consumers", "ticketing")] == 0

    worker.start().wait_for_log(" ready.", timeout=60)

    cleared(system)
    assert gauges(system)[("sysops_queue_consumers", "ticketing")] == 1


def test_deliveries_failing_on_the_receivers_database_are_named(
    system: RunningSystem, customer_account: CustomerAccount
) -> None:
    cleared(system)
    with database_down("ticketing"):
        response = system.submit_ticket(token=customer_account.token, title="Printer on fire")
        assert response.status_code == 201, response.text

        found = named(system, "ticketing: deliveries failing, its database cannot be reached: ")
        assert "OperationalError" in found
        assert gauges(system)[("sysops_receiver_database_unreachable", "ticketing")] == 1

    cleared(system)
    assert gauges(system)[("sysops_receiver_database_unreachable", "ticketing")] == 0


def test_a_broker_that_cannot_be_reached_is_named_until_it_is_back(
    private_redis: RedisServer, system_on_private_redis: RunningSystem
) -> None:
    system = system_on_private_redis
    cleared(system)

    private_redis.stop()

    named(system, "the broker does not answer: ")
    assert gauges(system)[("sysops_broker_up", None)] == 0

    private_redis.start()

    cleared(system)
    assert gauges(system)[("sysops_broker_up", None)] == 1
