"""The system the soak drives, started as `make run` starts it: the embedded default's SQLite files
in a var folder of the soak's own, the demo data, then every `Procfile` process.

The broker is a redis-server of the soak's own in that folder, not the filesystem transport
`make run` still uses: that transport's reader can take a message file before it is written, and the
worker dies of it (kombu #1551), which a soak of a few seconds already shows.

The soak needs only what `SoakSystem` offers: where the web answers, the environment its processes
share (so the soak's own Django reads the same databases), how often each process exited, and a stop.
"""

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.integration.processes import ManagedProcess, free_port, stop_all
from tests.integration.servers import RedisServer

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 120.0
SETUP_TIMEOUT_SECONDS = 300.0

# What the soak changes in `make run`'s settings, and why: the assignment job runs every few
# seconds so that tickets reach experts within a short run, and the stricter scope of token and
# registration requests lets the soak sign in its handful of customers and experts at once.
SOAK_SETTINGS = {
    "ASSIGNMENT_INTERVAL_SECONDS": "2",
    "API_THROTTLE_CREDENTIALS": "1000/minute",
}


class SetupFailed(RuntimeError):
    """Migrating or seeding the soak's databases failed; the message says which and why."""


def embedded_environment(*, var_dir: Path, web_port: int, broker_url: str) -> dict[str, str]:
    """This environment without any database server's address, so every process falls back on the
    embedded default inside `var_dir`, whatever the caller's shell (or an integration run) had set."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name.endswith("DATABASE_URL") or name.startswith("CELERY_BROKER"))
    }
    env.update(SOAK_SETTINGS)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL=broker_url,
        SYSOPS_VAR_DIR=str(var_dir),
        WEB_PORT=str(web_port),
        PORTAL_BASE_URL=f"http://127.0.0.1:{web_port}",
        # The Procfile names `python` and `celery`: this virtualenv's, as `make run` puts it first.
        PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    return env


def procfile_processes() -> list[tuple[str, str]]:
    """(name, command line) of each `Procfile` entry, in order."""
    entries = []
    for line in (REPOSITORY / "Procfile").read_text().splitlines():
        if match := re.match(r"^([\w-]+):\s*(.+)$", line.strip()):
            entries.append((match[1], match[2]))
    return entries


@dataclass
class SoakSystem:
    base_url: str
    env: dict[str, str]
    processes: list[ManagedProcess]
    broker: RedisServer

    def exits(self) -> dict[str, int]:
        """How many times each process has exited: nothing starts them again, so 0 or 1."""
        return {
            process.name: int(process.returncode is not None)
            for process in [*self.processes, self.broker.process]
        }

    def stop(self) -> None:
        stop_all(self.processes)
        self.broker.terminate()


def manage(env: dict[str, str], *arguments: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [str(BIN / "python"), "manage.py", *arguments],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        last_line = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:]
        raise SetupFailed(f"manage.py {' '.join(arguments)} failed: {' '.join(last_line)}")


def web_answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health/live/", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def system_start(*, var_dir: Path, log_dir: Path) -> SoakSystem:
    """`make run` in `var_dir`: databases migrated, demo data, then web, workers and scheduler."""
    web_port = free_port()
    broker = RedisServer(
        port=free_port(), data_dir=var_dir / "broker", log_path=log_dir / "broker.log"
    ).start()
    broker.process.name = "broker"
    env = embedded_environment(var_dir=var_dir, web_port=web_port, broker_url=broker.url)
    try:
        manage(env, "migrate_all_databases")
        manage(env, "seed_demo")
    except BaseException:
        broker.terminate()
        raise
    processes = [
        ManagedProcess(
            name,
            # A shell expands the Procfile's ${WEB_PORT:-8000} as honcho does; exec leaves one process.
            ["sh", "-c", f"exec {command}"],
            env=env,
            cwd=REPOSITORY,
            log_path=log_dir / f"{name}.log",
        )
        for name, command in procfile_processes()
    ]
    system = SoakSystem(
        base_url=f"http://127.0.0.1:{web_port}", env=env, processes=processes, broker=broker
    )
    try:
        for process in processes:
            process.start()
        for process in processes:
            if process.name == "web":
                process.wait_until_ready(
                    lambda: web_answers(system.base_url),
                    timeout=START_TIMEOUT_SECONDS,
                    what="answers",
                )
            elif "beat" in shlex.split(process.argv[-1]):
                process.wait_for_log("beat: Starting", timeout=START_TIMEOUT_SECONDS)
            else:
                process.wait_for_log(" ready.", timeout=START_TIMEOUT_SECONDS)
    except BaseException:
        system.stop()
        raise
    return system
