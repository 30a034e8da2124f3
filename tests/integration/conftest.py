"""Fixtures that start the real system for a test and always stop it, whatever the test's outcome.

The test process only reads and writes the databases; it never publishes a message itself, because
its own Celery settings point at the shared Redis without the run's key prefix.
"""

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.integration.customers import CustomerAccount, customer_account_create
from tests.integration.fault_report import FaultReport
from tests.integration.processes import ManagedProcess, free_port
from tests.integration.servers import (
    REDIS_SERVER,
    RedisServer,
    delete_keys_with_prefix,
    redis_answers,
)
from tests.integration.system import (
    TICKET_SUBMISSION_QUANTA,
    RunningSystem,
    StartSystem,
    system_environment,
)

STARTED_PROCESSES = pytest.StashKey[list[ManagedProcess]]()
OUTCOME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fault(name): the README fault-table row a test injects; see `fault_report`"
    )


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """CI must run every integration test, so a missing server fails there; elsewhere it skips."""
    if condition:
        return
    if running_in_ci():
        pytest.fail(f"integration test environment broken in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason} (run them with `make test-integration`)")


def postgresql_problem() -> str | None:
    servers = set()
    for alias, database in settings.DATABASES.items():
        if "postgresql" not in database["ENGINE"]:
            return f"database {alias!r} is not PostgreSQL ({database['ENGINE']})"
        servers.add((database["HOST"], database["PORT"], database["USER"], database["PASSWORD"]))
    for host, port, user, password in servers:
        try:
            psycopg.connect(
                host=host,
                port=port,
                user=user,
                password=password,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.Error as error:
            return f"PostgreSQL at {host}:{port} is unreachable: {error}"
    return None


def redis_problem() -> str | None:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return f"the broker is not Redis ({settings.CELERY_BROKER_URL})"
    if not redis_answers(settings.CELERY_BROKER_URL):
        return f"Redis at {settings.CELERY_BROKER_URL} does not answer"
    return None


@pytest.fixture(scope="session", autouse=True)
def servers_reachable() -> None:
    """Runs before pytest-django creates the test databases, so a missing server reads clearly."""
    problem = postgresql_problem() or redis_problem()
    require(problem is None, problem or "")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing test shows the end of every process log it started, which is where the cause is."""
    report = yield
    if report.when == "call" or report.failed:
        item.stash[OUTCOME] = report.outcome
    if report.failed and report.when in {"setup", "call"}:
        for process in item.stash.get(STARTED_PROCESSES, []):
            report.sections.append((f"{process.name} log (last lines)", process.log_tail()))
    return report


def remember_processes(request: pytest.FixtureRequest, *processes: ManagedProcess) -> None:
    request.node.stash.setdefault(STARTED_PROCESSES, []).extend(processes)


@pytest.fixture(scope="session")
def session_key_prefix() -> Iterator[str]:
    """Every broker key of this run starts with it, so the shared Redis keeps other runs' keys apart."""
    prefix = f"sysops-it-{uuid.uuid4().hex[:12]}:"
    yield prefix
    delete_keys_with_prefix(settings.CELERY_BROKER_URL, prefix)


@pytest.fixture
def start_system(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    session_key_prefix: str,
    tmp_path: Path,
) -> Iterator[StartSystem]:
    """Starts a running system; on the shared Redis unless given a broker, under a key prefix of its own.

    Depending on `django_db_setup` makes pytest stop these processes before it drops the databases
    they are connected to.
    """
    started: list[tuple[RunningSystem, str]] = []

    def start(
        *,
        broker_url: str | None = None,
        quanta: Sequence[str] = TICKET_SUBMISSION_QUANTA,
        worker_env: Mapping[str, str] | None = None,
        web_env: Mapping[str, str] | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> RunningSystem:
        workdir = tmp_path / f"system-{len(started)}"
        key_prefix = "" if broker_url else f"{session_key_prefix}{uuid.uuid4().hex[:8]}:"
        system = RunningSystem(
            env=system_environment(
                broker_url=broker_url or settings.CELERY_BROKER_URL,
                broker_key_prefix=key_prefix,
                var_dir=workdir / "var",
                overrides=overrides or {},
            ),
            workdir=workdir,
            quanta=quanta,
            worker_env=worker_env,
            web_env=web_env,
        )
        started.append((system, key_prefix))
        remember_processes(request, *system.processes)
        return system.start()

    yield start
    for system, key_prefix in started:
        system.stop()
        if key_prefix:
            delete_keys_with_prefix(settings.CELERY_BROKER_URL, key_prefix)


@pytest.fixture
def system(start_system: StartSystem) -> RunningSystem:
    """The ticket-submission slice on the shared Redis, with the product's own settings."""
    return start_system()


@pytest.fixture
def private_redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis the test may stop and start; request it before `start_system` so it outlives the system."""
    require(REDIS_SERVER.exists(), f"{REDIS_SERVER} is not installed")
    server = RedisServer(
        port=free_port(), data_dir=tmp_path / "redis-data", log_path=tmp_path / "redis.log"
    )
    remember_processes(request, server.process)
    try:
        yield server.start()
    finally:
        server.terminate()


@pytest.fixture
def fault_report(request: pytest.FixtureRequest) -> Iterator[FaultReport]:
    """Where a fault test counts what it sent and what was applied, lost and duplicated; written
    with the test's outcome when it ends, passed or not, under the fault its `fault` marker names."""
    marker = request.node.get_closest_marker("fault")
    if marker is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses fault_report without a fault marker")
    report = FaultReport(fault=marker.args[0], test=request.node.nodeid)
    yield report
    report.write(outcome=request.node.stash.get(OUTCOME, "not run"))


@pytest.fixture
def customer_account() -> CustomerAccount:
    return customer_account_create(name="Grace Hopper", email="grace@example.com")
