"""The system the soak drives, started exactly as `make run` starts it (`python -m operations.embedded`)
in a var folder and on a port of the soak's own: the broker, the SQLite databases migrated, the demo
data, then the web, a worker per quantum and the scheduler, each started again if it exits.

The soak needs only what `SoakSystem` offers: where the web answers, the environment the system runs
on (so the soak's own Django reads the same databases), how often each process exited, and a stop.
"""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.integration.processes import ManagedProcess, free_port

REPOSITORY = Path(__file__).resolve().parents[2]
# Migrations, the demo data with its year of history and eight processes, on two cores other work
# shares.
START_TIMEOUT_SECONDS = 360.0
# The supervisor stops every process, the broker last, each with its own grace period.
STOP_TIMEOUT_SECONDS = 60.0
LAUNCHER = "make run"

# What the soak changes in `make run`'s settings, and why: the assignment job runs every few
# seconds so that tickets reach experts within a short run, and the stricter scope of token and
# registration requests lets the soak sign in its handful of customers and experts at once.
SOAK_SETTINGS = {
    "ASSIGNMENT_INTERVAL_SECONDS": "2",
    "API_THROTTLE_CREDENTIALS": "1000/minute",
}


def embedded_environment() -> dict[str, str]:
    """This environment without any server's address or settings module, so the system runs on
    the embedded default alone, whatever the caller's shell (or an integration run) had set."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.endswith("DATABASE_URL")
        and not name.startswith(("CELERY_", "DJANGO_", "PORTAL_", "BILLING_CARD_KEYS"))
    }
    return {**env, **SOAK_SETTINGS, "PYTHONUNBUFFERED": "1"}


@dataclass
class SoakSystem:
    base_url: str
    var_dir: Path
    launcher: ManagedProcess

    @property
    def env(self) -> dict[str, str]:
        """The settings the system's processes run on, for a reader of its databases."""
        return {
            **self.launcher.env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SYSOPS_VAR_DIR": str(self.var_dir),
        }

    def state(self) -> dict[str, dict]:
        """Each supervised process's pid, starts, exits and readiness (operations/embedded)."""
        path = self.var_dir / "supervisor" / "state.json"
        return json.loads(path.read_text())["processes"] if path.exists() else {}

    def exits(self) -> dict[str, int]:
        """How many times each process exited while the supervisor kept it; the supervisor's own
        exit counts too, since nothing would start anything again after it."""
        exits = {name: process["exits"] for name, process in self.state().items()}
        return {**exits, LAUNCHER: int(self.launcher.returncode is not None)}

    def ready(self) -> bool:
        processes = self.state()
        return (
            len(processes) > 1  # more than the broker: the preparation is done
            and all(process["ready"] and process["pid"] for process in processes.values())
            and web_answers(self.base_url)
        )

    def stop(self) -> None:
        self.launcher.stop(timeout=STOP_TIMEOUT_SECONDS)


def web_answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health/ready/", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def system_start(*, var_dir: Path, log_dir: Path) -> SoakSystem:
    """`make run` in `var_dir` on a free port; returns once every process is ready."""
    port = free_port()
    launcher = ManagedProcess(
        LAUNCHER,
        [
            sys.executable,
            *("-m", "operations.embedded", "--var-dir", str(var_dir), "--port", str(port)),
        ],
        env=embedded_environment(),
        cwd=REPOSITORY,
        log_path=log_dir / "system.log",
    )
    system = SoakSystem(base_url=f"http://127.0.0.1:{port}", var_dir=var_dir, launcher=launcher)
    launcher.start()
    try:
        launcher.wait_until_ready(
            system.ready, timeout=START_TIMEOUT_SECONDS, what="has every process ready"
        )
    except BaseException:
        system.stop()
        raise
    return system
