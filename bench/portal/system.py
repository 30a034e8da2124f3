"""The system under test in its production shape: gunicorn for the web, one Celery worker per
quantum queue, beat; its own PostgreSQL databases `bench_<alias>` and a redis-server of its own,
so nothing it does (not even stopping the broker) touches anybody else's data.

The process helpers are the integration tests' own (`tests.integration.processes`, `.servers`):
plain modules with no test framework in them.
"""

import os
import shutil
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path

import httpx
import psycopg
import redis
from psycopg import sql

from billing_quantum.card_keys import BILLING_ENV_FILE, card_keys_embedded
from operations import processes
from operations.embedded.var_folder import var_folder_prepare
from tests.integration.processes import ManagedProcess, free_port, stop_all
from tests.integration.servers import RedisServer

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ALIASES = ("default", "customer", "billing", "ticketing", "analytics", "notifications")
QUANTA = ALIASES[1:]
DOWNSTREAM = ("billing", "ticketing", "analytics", "notifications")
START_TIMEOUT_SECONDS = 90.0


def database_name(alias: str, prefix: str = "bench") -> str:
    return f"{prefix}_{alias}"


def database_url_variable(alias: str) -> str:
    return "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"


class Databases:
    """The run's databases on the shared server (`<prefix>_<alias>`); only these are created, cut
    off or dropped."""

    def __init__(self, server: str, prefix: str = "bench") -> None:
        self.server = server
        self.prefix = prefix

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(f"{self.server}/postgres", autocommit=True)

    def create(self) -> None:
        self.drop()
        with self._admin() as admin:
            for alias in ALIASES:
                admin.execute(
                    sql.SQL("CREATE DATABASE {}").format(
                        sql.Identifier(database_name(alias, self.prefix))
                    )
                )

    def exist(self) -> bool:
        with self._admin() as admin:
            found = admin.execute(
                "SELECT count(*) FROM pg_database WHERE datname = ANY(%s)",
                [[database_name(alias, self.prefix) for alias in ALIASES]],
            ).fetchone()[0]
        return found == len(ALIASES)

    def drop(self) -> None:
        with self._admin() as admin:
            for alias in ALIASES:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database_name(alias, self.prefix))
                    )
                )

    def urls(self) -> dict[str, str]:
        # Persistent connections, as a deployment sets them: a connection per request costs more
        # than the request's own queries.
        return {
            database_url_variable(alias): f"{self.server}/{database_name(alias, self.prefix)}"
            "?conn_max_age=60&conn_health_checks=true"
            for alias in ALIASES
        }

    def allow_connections(self, aliases: tuple[str, ...], allowed: bool) -> None:
        """A quantum's database down (refusing connections, its sessions cut) or back up."""
        with self._admin() as admin:
            for alias in aliases:
                name = database_name(alias, self.prefix)
                admin.execute(
                    sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                        sql.Identifier(name), sql.SQL("true" if allowed else "false")
                    )
                )
                if not allowed:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                        [name],
                    )


def broker_commands(url: str) -> dict[str, int]:
    """Commands the broker has served since it started, by name (every client: web, workers, beat)."""
    stats = redis.Redis.from_url(url).info("commandstats")
    return {name.removeprefix("cmdstat_"): entry["calls"] for name, entry in stats.items()}


def base_environment(
    *, databases: Databases, broker_url: str, var_dir: Path, log_level: str
) -> dict[str, str]:
    # The folder its processes write in (beat's schedule), prepared as `make run` prepares it.
    var_folder_prepare(var_dir)
    env = dict(os.environ)
    env.update(databases.urls())
    env.update(
        DJANGO_SETTINGS_MODULE="bench.portal.settings",
        DJANGO_SECRET_KEY=uuid.uuid4().hex,
        SYSOPS_VAR_DIR=str(var_dir),
        CELERY_BROKER_URL=broker_url,
        CELERY_BROKER_KEY_PREFIX="",
        # A handful of customers sends thousands of requests a minute: the throttles stay in the
        # request path (their cost is measured) with limits this load never reaches.
        API_THROTTLE_USER="100000000/minute",
        API_THROTTLE_ANON="100000000/minute",
        # The periodic batch jobs are not what is measured here.
        ASSIGNMENT_INTERVAL_SECONDS="86400",
        SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS="86400",
        LOG_LEVEL=log_level,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    return env


class BenchSystem:
    """Web (gunicorn), a worker per quantum and beat; each part stopped and started on its own.
    The monolith it replaces runs on a web server of its own beside it, on the same databases."""

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        workdir: Path,
        web_workers: int,
        worker_concurrency: int,
    ) -> None:
        self.env = dict(env)
        self.workdir = workdir
        self.web_workers = web_workers
        self.worker_concurrency = worker_concurrency
        self.web_port = free_port()
        self.monolith_port = free_port()
        self.web: ManagedProcess | None = None
        self.monolith: ManagedProcess | None = None
        self.workers: dict[str, ManagedProcess] = {}
        self.scheduler: ManagedProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def monolith_url(self) -> str:
        return f"http://127.0.0.1:{self.monolith_port}"

    @property
    def billing_card_keys(self) -> dict[str, str]:
        """What only a process that opens cards is given: billing's worker, and the monolith's web,
        which applies billing's messages inside its requests."""
        keys = Path(self.env["SYSOPS_VAR_DIR"]) / "keys"
        card_keys_embedded(keys)  # as `make run` makes them before it starts the processes
        return {"BILLING_CARD_KEYS_FILE": str(keys / BILLING_ENV_FILE)}

    def _process(self, name: str, argv: list[str], extra_env: Mapping[str, str]) -> ManagedProcess:
        return ManagedProcess(
            name,
            argv,
            env={**self.env, **extra_env},
            cwd=REPOSITORY,
            log_path=self.workdir / "logs" / f"{name}.log",
        )

    def _gunicorn(self, name: str, port: int, extra_env: Mapping[str, str]) -> ManagedProcess:
        server = self._process(
            name,
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                *("--bind", f"127.0.0.1:{port}"),
                *("--workers", str(self.web_workers)),
                # Loaded and warmed once (config/wsgi.py), then forked: each worker is ready
                # when the server answers, and its start-up is not billed to the first phase.
                "--preload",
                *("--graceful-timeout", "5"),
            ],
            extra_env,
        ).start()
        base_url = f"http://127.0.0.1:{port}"
        server.wait_until_ready(
            lambda: web_answers(base_url), timeout=START_TIMEOUT_SECONDS, what="answers"
        )
        return server

    def start_web(self, **extra_env: str) -> None:
        self.web = self._gunicorn("web", self.web_port, extra_env)

    def start_monolith(self, **extra_env: str) -> None:
        """The monolith: each message applied inside the request that sends it."""
        self.monolith = self._gunicorn(
            "monolith",
            self.monolith_port,
            {"BENCH_DELIVERY": "inline", **self.billing_card_keys, **extra_env},
        )

    def start_workers(self, quanta: tuple[str, ...] = QUANTA, **extra_env: str) -> None:
        """`CELERY_WORKER_POOL` in `extra_env` runs them on another pool than the product's."""
        started = []
        for quantum in quanta:
            self.workers[quantum] = self._process(
                f"{quantum}-worker",
                in_virtualenv(
                    processes.worker(quantum, concurrency=self.worker_concurrency).command
                ),
                {**extra_env, **(self.billing_card_keys if quantum == "billing" else {})},
            )
            started.append(self.workers[quantum].start())
        for worker in started:
            worker.wait_for_log(" ready.", timeout=START_TIMEOUT_SECONDS)

    def start_scheduler(self) -> None:
        self.scheduler = self._process(
            "scheduler",
            [
                *in_virtualenv(processes.SCHEDULER.command),
                f"--schedule={self.workdir / 'beat-schedule'}",
            ],
            {},
        ).start()
        self.scheduler.wait_for_log("celery beat v", timeout=START_TIMEOUT_SECONDS)

    def stop_workers(self, quanta: tuple[str, ...] = QUANTA) -> None:
        stop_all([self.workers.pop(quantum) for quantum in quanta if quantum in self.workers])

    def stop_monolith(self) -> None:
        if self.monolith is not None:
            stop_all([self.monolith])
        self.monolith = None

    def stop(self) -> None:
        processes = [self.web, self.monolith, self.scheduler, *self.workers.values()]
        stop_all([process for process in processes if process is not None])
        self.web, self.monolith, self.scheduler, self.workers = None, None, None, {}


def in_virtualenv(command: tuple[str, ...]) -> list[str]:
    """A command line of the product's process table (operations/processes.py), with its program
    taken from this virtualenv: the benchmark runs the workers and the scheduler as `make run` and
    compose.yaml do."""
    program, *arguments = command
    return [str(BIN / program), *arguments]


def web_answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health/live/", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def private_broker(workdir: Path) -> RedisServer:
    data_dir = workdir / "redis-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    return RedisServer(port=free_port(), data_dir=data_dir, log_path=workdir / "logs" / "redis.log")
