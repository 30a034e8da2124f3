"""The embedded default's supervisor on small stand-in programs: a process that exits is started
again and counted while the others go on, every line is labelled, and a stop ends whole groups."""

import io
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from operations.embedded.supervisor import Program, Supervisor
from tests.integration.processes import wait_until

TIMEOUT_SECONDS = 30.0
# Prints its own pid and that of a child it forks (as a Celery worker forks its pool), then serves.
SERVING = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print(f'serving, child {child.pid}', flush=True)\n"
    "time.sleep(600)\n"
)


def stand_in(name: str) -> Program:
    return Program(name, [sys.executable, "-c", SERVING], dict(os.environ), ready_line="serving")


def alive(pid: int) -> bool:
    """Running; a zombie (dead, waiting for whoever adopted it to reap it) does not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(output: io.StringIO) -> list[int]:
    """The pids the stand-ins said they forked, in order."""
    return [
        int(line.rsplit(" ", 1)[1])
        for line in output.getvalue().splitlines()
        if "| serving, child " in line
    ]


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[tuple[Supervisor, io.StringIO]]:
    output = io.StringIO()
    supervisor = Supervisor(cwd=tmp_path, state_file=tmp_path / "state.json", output=output)
    watcher = threading.Thread(target=supervisor.run, daemon=True)
    watcher.start()
    yield supervisor, output
    supervisor.request_stop()
    watcher.join()
    supervisor.stop()


def state(supervisor: Supervisor) -> dict:
    return json.loads(supervisor.state_file.read_text())["processes"]


def test_a_killed_process_is_started_again_counted_and_the_others_keep_running(supervised):
    supervisor, output = supervised
    supervisor.start(stand_in("ticketing"))
    supervisor.start(stand_in("customer"))
    wait_until(
        lambda: supervisor.is_ready("ticketing") and supervisor.is_ready("customer"),
        timeout=TIMEOUT_SECONDS,
        what="both stand-ins serve",
    )
    killed, other = state(supervisor)["ticketing"]["pid"], state(supervisor)["customer"]["pid"]

    os.kill(killed, signal.SIGKILL)

    restarted = wait_until(
        lambda: (
            (process := state(supervisor)["ticketing"])["ready"]
            and process["pid"] != killed
            and process
        ),
        timeout=TIMEOUT_SECONDS,
        what="ticketing's stand-in serves again",
    )
    assert restarted["starts"] == 2
    assert restarted["exits"] == 1
    assert restarted["last_exit"] == "signal SIGKILL"
    assert state(supervisor)["customer"] == {
        "pid": other,
        "starts": 1,
        "exits": 0,
        "last_exit": None,
        "ready": True,
    }
    lines = output.getvalue().splitlines()
    assert any(line.startswith("ticketing  | serving, child ") for line in lines), lines
    assert any(
        f"ticketing (pid {killed}) exited with signal SIGKILL" in line
        and line.startswith("supervisor | ")
        for line in lines
    ), lines


def test_the_children_of_an_exited_process_go_with_it_and_a_stop_ends_every_group(supervised):
    supervisor, output = supervised
    supervisor.start(stand_in("billing"))
    wait_until(lambda: supervisor.is_ready("billing"), timeout=TIMEOUT_SECONDS, what="it serves")
    first = state(supervisor)["billing"]["pid"]
    [first_child] = children(output)

    os.kill(first, signal.SIGKILL)
    wait_until(lambda: not alive(first_child), timeout=TIMEOUT_SECONDS, what="its child is gone")
    wait_until(
        lambda: supervisor.is_ready("billing") and state(supervisor)["billing"]["pid"] != first,
        timeout=TIMEOUT_SECONDS,
        what="it serves again",
    )
    second = state(supervisor)["billing"]["pid"]
    second_child = children(output)[-1]

    supervisor.request_stop()
    supervisor.stop()

    assert not alive(second)
    assert not alive(second_child)
    assert state(supervisor)["billing"]["pid"] is None
    assert state(supervisor)["billing"]["exits"] == 1, "a stop asked for is not an exit"
