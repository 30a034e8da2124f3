"""The Sysops Squad system in its production shape, each part a real process: the web app, one
Celery worker per quantum and the scheduler, all on the test databases pytest-django created."""

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import connections

from billing_quantum.card_keys import BILLING_ENV_FILE
from operations.embedded.var_folder import var_folder_prepare
from tests.integration.processes import ManagedProcess, free_port, stop_all

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 60.0
COMMAND_TIMEOUT_SECONDS = 60.0

# The slice under test: the customer quantum sends TicketCreated, ticketing receives it.
TICKET_SUBMISSION_QUANTA = ("customer", "ticketing")

# Short enough that sweeps, retries and dead letters happen within seconds of a test.
FAST_MESSAGING = {
    "MESSAGING_SWEEP_INTERVAL_SECONDS": "1",
    "MESSAGING_RETRY_BASE_SECONDS": "0.1",
    "MESSAGING_RETRY_MAX_SECONDS": "0.5",
    "MESSAGING_MAX_DELIVERIES": "3",
}


def database_url_variable(alias: str) -> str:
    return "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"


def urls_of_test_databases() -> dict[str, str]:
    """The URL variables naming the test databases, so every process shares the test's data."""
    urls = {}
    for alias in settings.DATABASE_ALIASES:
        database = connections[alias].settings_dict
        credentials = quote(database["USER"], safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"], safe="")
        server = database["HOST"] + (f":{database['PORT']}" if database["PORT"] else "")
        urls[database_url_variable(alias)] = (
            f"postgres://{credentials}@{server}/{quote(database['NAME'], safe='')}"
        )
    return urls


def billing_card_keys() -> dict[str, str]:
    """What only billing's worker, and billing's commands, are given: the test process's own
    private and at-rest keys, so they open what the test sealed or encrypted."""
    return {"BILLING_CARD_KEYS_FILE": str(settings.CARD_KEYS_FOLDER / BILLING_ENV_FILE)}


def venv_command(program: str, arguments: str) -> list[str]:
    """A command line run with the executables of the test run's virtualenv."""
    return [str(BIN / program), *arguments.split()]


def system_environment(
    *, broker_url: str, broker_key_prefix: str, var_dir: Path, overrides: Mapping[str, str]
) -> dict[str, str]:
    # The folder its processes write in (beat's schedule), prepared as `make run` prepares it.
    var_folder_prepare(var_dir)
    env = dict(os.environ)
    env.update(urls_of_test_databases())
    env.update(FAST_MESSAGING)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        # One key for all processes: each would otherwise race to create its own in the var folder.
        DJANGO_SECRET_KEY=uuid.uuid4().hex,
        # Every process may seal card data for billing; only billing's worker gets more.
        CARD_SEALING_KEY_ID=settings.CARD_SEALING_KEY_ID,
        CARD_SEALING_PUBLIC_KEY=settings.CARD_SEALING_PUBLIC_KEY,
        SYSOPS_VAR_DIR=str(var_dir),
        CELERY_BROKER_URL=broker_url,
        CELERY_BROKER_KEY_PREFIX=broker_key_prefix,
        # Lets a worker load a test-only settings module from `tests`, which is not installed.
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        # Some tests count task runs and retries in the workers' logs.
        TASK_LOG_LEVEL="INFO",
    )
    env.update(overrides)
    return env


class RunningSystem:
    """Web, workers and scheduler sharing one environment; the web and the workers may get extra
    variables, and billing's worker alone its card keys."""

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        workdir: Path,
        quanta: Sequence[str] = TICKET_SUBMISSION_QUANTA,
        worker_env: Mapping[str, str] | None = None,
        web_env: Mapping[str, str] | None = None,
    ) -> None:
        self.env = dict(env)
        self.workdir = workdir
        self.web_port = free_port()
        # The processes `make run` starts, with a free port, a unique worker name and a private schedule.
        self.web = self._process(
            "web",
            venv_command("python", f"manage.py runserver 127.0.0.1:{self.web_port} --noreload"),
            extra_env=web_env,
        )
        self.workers = {
            quantum: self._process(
                f"{quantum}-worker",
                venv_command(
                    "celery",
                    f"-A config worker --queues {quantum} --concurrency 1 --loglevel INFO"
                    f" --hostname {quantum}-{uuid.uuid4().hex[:8]}@%h",
                ),
                extra_env={
                    **(worker_env or {}),
                    **(billing_card_keys() if quantum == "billing" else {}),
                },
            )
            for quantum in quanta
        }
        self.scheduler = self._process(
            "scheduler",
            [
                *venv_command("celery", "-A config beat --loglevel INFO"),
                f"--schedule={workdir / 'beat-schedule'}",
            ],
        )

    def _process(
        self, name: str, argv: list[str], extra_env: Mapping[str, str] | None = None
    ) -> ManagedProcess:
        return ManagedProcess(
            name,
            argv,
            env={**self.env, **(extra_env or {})},
            cwd=REPOSITORY,
            log_path=self.workdir / f"{name}.log",
        )

    @property
    def processes(self) -> list[ManagedProcess]:
        return [self.web, *self.workers.values(), self.scheduler]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def setting(self, name: str) -> str:
        return self.env[name]

    def start(self) -> "RunningSystem":
        # All at once: the processes boot in parallel, then each is awaited in turn.
        for process in self.processes:
            process.start()
        self.web.wait_until_ready(
            self.web_answers, timeout=START_TIMEOUT_SECONDS, what="answers HTTP"
        )
        for worker in self.workers.values():
            worker.wait_for_log(" ready.", timeout=START_TIMEOUT_SECONDS)
        self.scheduler.wait_for_log("celery beat v", timeout=START_TIMEOUT_SECONDS)
        return self

    def stop(self) -> None:
        stop_all(self.processes)

    def web_answers(self) -> bool:
        try:
            httpx.get(f"{self.base_url}/", timeout=2)  # any answer will do, even a redirect
        except httpx.TransportError:
            return False
        return True

    def submit_ticket(self, *, token: str, title: str) -> httpx.Response:
        """A customer's ticket, submitted through the public API as the mobile app or portal does."""
        return httpx.post(
            f"{self.base_url}/api/customer/tickets/",
            headers={"Authorization": f"Token {token}"},
            json={
                "title": title,
                "description": "Submitted by an integration test.",
                "device_category": "computer",
                "priority": "normal",
            },
            timeout=30,
        )

    def submit_tickets(self, *, token: str, count: int, label: str) -> set[str]:
        """`count` tickets one after the other, each accepted (201); returns their ids."""
        responses = [self.submit_ticket(token=token, title=f"{label} {n}") for n in range(count)]
        assert {response.status_code for response in responses} == {201}
        return {response.json()["id"] for response in responses}

    def manage(
        self, *arguments: str, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs a management command in a process of its own, as an operator would; billing's
        commands that open cards are given `billing_card_keys()`, as on billing's worker host."""
        return subprocess.run(
            [*venv_command("python", "manage.py"), *arguments],
            cwd=REPOSITORY,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )


# What the `start_system` fixture hands a test: keyword arguments choose broker and environment.
StartSystem = Callable[..., RunningSystem]
