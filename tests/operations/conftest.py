"""A real Redis as the broker for status tests, and real Celery workers that answer on it."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker

from tests.integration.processes import free_port
from tests.integration.servers import REDIS_SERVER, RedisServer, delete_keys_with_prefix

KEY_PREFIX = "status-test:"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of this test run's own: the shared one, if any, is never touched."""
    assert REDIS_SERVER.exists(), f"{REDIS_SERVER} is needed by the status tests"
    folder: Path = tmp_path_factory.mktemp("redis")
    server = RedisServer(port=free_port(), data_dir=folder / "data", log_path=folder / "redis.log")
    try:
        yield server.start()
    finally:
        server.terminate()


@contextmanager
def broker_used(url: str, key_prefix: str) -> Iterator[None]:
    """The Celery app's broker while the block runs; the one configured before, afterwards."""
    configured = current_app.conf.broker_url, current_app.conf.broker_transport_options
    _broker_configure(url, {"global_keyprefix": key_prefix})
    try:
        yield
    finally:
        _broker_configure(*configured)


def _broker_configure(url: str, transport_options: dict) -> None:
    current_app.conf.broker_url = url
    current_app.conf.broker_transport_options = transport_options
    # Celery keeps its connection and producer pools until a fork; they point at the old broker.
    current_app._after_fork()


@pytest.fixture
def broker_on_redis(redis_server: RedisServer, settings) -> Iterator[str]:
    """The Celery app's broker is the session's Redis for this test, under a key prefix (which the
    status must honour, as an installation sharing a Redis does); the test's notes, samples and
    queued messages are removed afterwards. One prefix for the session: kombu remembers in the
    process which bindings it declared, so a fresh prefix would lack the workers' reply routes."""
    with broker_used(redis_server.url, KEY_PREFIX):
        yield KEY_PREFIX
        delete_keys_with_prefix(redis_server.url, f"{KEY_PREFIX}sysops:")
        with current_app.connection_for_write() as connection:
            for queue in settings.QUANTA:
                connection.default_channel.queue_purge(queue)


@pytest.fixture
def broker_refusing() -> Iterator[None]:
    """A broker address nothing listens on: a real refusal, not a mock."""
    with broker_used("redis://127.0.0.1:1/0", ""):
        yield


@pytest.fixture
def worker(broker_on_redis: str) -> Iterator[Callable[..., str]]:
    """Starts a real Celery worker (in a thread of this process) consuming the queues given, and
    returns its name; it is stopped when the test ends. One per test: Celery stops embedded workers
    through one flag of the process. No test here puts a message on a queue a worker consumes."""
    with ExitStack() as running:

        def start(*queues: str) -> str:
            name = f"status-test-{uuid.uuid4().hex[:6]}@test"
            running.enter_context(
                start_worker(
                    current_app,
                    queues=list(queues),
                    perform_ping_check=False,
                    loglevel="WARNING",
                    hostname=name,
                )
            )
            return name

        yield start


@pytest.fixture
def every_queue_consumed(worker, settings) -> None:
    worker(*settings.QUANTA)
