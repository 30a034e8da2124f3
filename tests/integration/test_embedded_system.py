"""The embedded default as `make run` starts it (its own var folder, port and redis-server): a
killed worker or a killed broker is started again while the portal keeps answering, and tickets
submitted afterwards still reach ticketing."""

import contextlib
import json
import os
import signal
import sqlite3
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import remember_processes
from tests.integration.processes import ManagedProcess, free_port, wait_until
from tests.integration.system import REPOSITORY

pytestmark = pytest.mark.integration

# Migrations, the demo data with its year of history (8 s of CPU) and eight processes, on two
# cores other work shares: under a load average of 18 the preparation alone took 3m45s.
START_TIMEOUT_SECONDS = 360.0
RESTART_TIMEOUT_SECONDS = 60.0
ARRIVAL_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 60.0
PORTAL_PAGES = ("/health/ready/", "/accounts/login/")
DEMO_CUSTOMER = {"username": "alice", "password": "sysops-demo"}


class Embedded:
    """One `python -m operations.embedded` and what a test reads of it: the supervisor's state
    file, the ticketing database, the portal."""

    def __init__(self, workdir: Path) -> None:
        self.var_dir = workdir / "var"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Nothing of the test run's own configuration (its PostgreSQL and Redis URLs, its
        # settings module) may reach the system, which must run on what the launcher sets.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.endswith("DATABASE_URL")
            and not name.startswith(("CELERY_", "DJANGO_", "PORTAL_", "BILLING_CARD_KEYS"))
        }
        self.launcher = ManagedProcess(
            "make run",
            [
                sys.executable,
                *("-m", "operations.embedded"),
                *("--var-dir", str(self.var_dir), "--port", str(self.port)),
            ],
            env=env,
            cwd=REPOSITORY,
            log_path=workdir / "embedded.log",
        )

    def state(self) -> dict:
        """Each supervised process's pid, starts, exits and readiness (operations/embedded)."""
        path = self.var_dir / "supervisor" / "state.json"
        return json.loads(path.read_text())["processes"] if path.exists() else {}

    def all_ready(self) -> bool:
        processes = self.state()
        return bool(processes) and all(p["ready"] and p["pid"] for p in processes.values())

    def restarted(self, name: str, *, old_pid: int) -> bool:
        process = self.state()[name]
        return process["exits"] == 1 and process["pid"] not in (None, old_pid) and process["ready"]

    def token(self) -> str:
        response = httpx.post(f"{self.base_url}/api/auth/token/", json=DEMO_CUSTOMER, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def submit_ticket(self, token: str) -> str:
        title = f"Tablet will not charge {uuid.uuid4().hex[:8]}"
        response = httpx.post(
            f"{self.base_url}/api/customer/tickets/",
            headers={"Authorization": f"Token {token}"},
            json={
                "title": title,
                "description": "Submitted by the embedded system's test.",
                "device_category": "tablet",
                "priority": "normal",
            },
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return title

    def in_ticketing(self, title: str) -> bool:
        with contextlib.closing(sqlite3.connect(self.var_dir / "ticketing.sqlite3")) as database:
            (count,) = database.execute(
                "SELECT count(*) FROM ticketing_ticket WHERE title = ?", (title,)
            ).fetchone()
        return count == 1

    def stop(self) -> None:
        """SIGTERM to the launcher, which stops every process; whatever is left is killed."""
        self.launcher.stop(timeout=STOP_TIMEOUT_SECONDS)
        for process in self.state().values():
            if process["pid"]:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process["pid"], signal.SIGKILL)


class PortalWatch:
    """Asks the portal for its pages again and again from another thread, keeping every answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.answers: list[tuple[str, int | str]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self._done.is_set():
                for page in PORTAL_PAGES:
                    try:
                        self.answers.append((page, client.get(page).status_code))
                    except httpx.HTTPError as error:
                        self.answers.append((page, f"{type(error).__name__}: {error}"))
                self._done.wait(0.2)

    def __enter__(self) -> "PortalWatch":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._done.set()
        self._thread.join()


@pytest.fixture
def embedded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Embedded]:
    system = Embedded(tmp_path)
    remember_processes(request, system.launcher)
    system.launcher.start()
    try:
        system.launcher.wait_until_ready(
            system.all_ready, timeout=START_TIMEOUT_SECONDS, what="has every process ready"
        )
        system.launcher.wait_for_log("every process is up", timeout=START_TIMEOUT_SECONDS)
        yield system
    finally:
        system.stop()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killed_processes_are_restarted_while_the_portal_answers_and_a_stop_ends_all(embedded):
    assert "Portal:" in embedded.launcher.log_since_start()
    token = embedded.token()

    with PortalWatch(embedded.base_url) as portal:
        killed_pids = {}
        for process in ("ticketing", "broker"):  # a worker, then the broker every process uses
            killed = killed_pids[process] = embedded.state()[process]["pid"]
            os.kill(killed, signal.SIGKILL)
            wait_until(
                lambda process=process, killed=killed: embedded.restarted(process, old_pid=killed),
                timeout=RESTART_TIMEOUT_SECONDS,
                what=f"{process} is started again and ready",
            )
            after_restart = embedded.submit_ticket(token)
            wait_until(
                lambda ticket=after_restart: embedded.in_ticketing(ticket),
                timeout=ARRIVAL_TIMEOUT_SECONDS,
                what=f"the ticket submitted after {process}'s restart is in ticketing",
            )

    log = embedded.launcher.log_since_start()
    for process, killed in killed_pids.items():
        assert f"{process} (pid {killed}) exited with signal SIGKILL" in log
    assert len(portal.answers) >= 20, "the portal was asked throughout"
    assert {answer for _, answer in portal.answers} == {200}, [
        answer for answer in portal.answers if answer[1] != 200
    ]
    others = {
        name: p for name, p in embedded.state().items() if name not in ("ticketing", "broker")
    }
    assert {name: p["exits"] for name, p in others.items()} == dict.fromkeys(others, 0)

    # Ctrl-C or SIGTERM: every process it started is stopped, and the launcher exits cleanly.
    pids = [process["pid"] for process in embedded.state().values()]
    embedded.launcher.send_signal(signal.SIGTERM)
    assert embedded.launcher.wait_for_exit(timeout=STOP_TIMEOUT_SECONDS) == 0
    assert [pid for pid in pids if alive(pid)] == []
    assert all(process["pid"] is None for process in embedded.state().values())
