"""Keeps a set of processes running: one that exits is started again while the others go on, every
line it prints reaches the terminal labelled with its name, and its state is kept in a file.

Hand-written rather than supervisord's: supervisord forwards a child's output unlabelled, counts no
exits (a separate event-listener process would have to), and wants a generated configuration file;
what is needed here (start, label, restart with a backoff, stop) fits in this module.

The state file (`<var dir>/supervisor/state.json`) is replaced whole (written aside, then renamed)
each time a process starts, says it is ready, or exits, so a reader never sees half a file:

    {
      "supervisor_pid": 4242,
      "updated_at": "2026-11-30T12:00:00.000000+00:00",
      "processes": {
        "ticketing": {
          "pid": 4310,                    # null between an exit and the restart
          "starts": 2,
          "exits": 1,                     # exits while supervised; a stop asked for is not one
          "last_exit": "signal SIGKILL",  # or "exit code 1"; null if it never exited
          "ready": true                   # said its ready line since its latest start
        }
      }
    }
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from messaging.backoff import backoff_delay

STOP_TIMEOUT_SECONDS = 20.0
TICK_SECONDS = 0.2
# A process that ran this long before exiting is restarted at once; one that keeps exiting sooner
# waits twice as long each time, up to the maximum, so a crash loop does not eat the machine.
STEADY_RUN_SECONDS = 10.0
FIRST_RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0


@dataclass(frozen=True)
class Program:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    # A line the process prints once it serves; the banner waits for every program's.
    ready_line: str


@dataclass
class _Running:
    program: Program
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    starts: int = 0
    exits: int = 0
    last_exit: str | None = None
    ready: bool = False
    quick_exits: int = 0
    restart_at: float | None = None
    reader: threading.Thread | None = field(default=None, repr=False)


def describe_exit(returncode: int) -> str:
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        return f"signal {signal.Signals(-returncode).name}"
    except ValueError:
        return f"signal {-returncode}"


class Supervisor:
    def __init__(self, *, cwd: Path, state_file: Path, output: TextIO = sys.stdout) -> None:
        self.cwd = cwd
        self.state_file = state_file
        self.output = output
        self._processes: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._label_width = len("supervisor")

    def say(self, name: str, line: str) -> None:
        with self._lock:
            self.output.write(f"{name:<{self._label_width}} | {line}\n")
            self.output.flush()

    def start(self, program: Program) -> None:
        """Starts a program and keeps it running until `stop`."""
        with self._lock:
            self._label_width = max(self._label_width, len(program.name))
            running = self._processes.setdefault(program.name, _Running(program))
        self._spawn(running)

    def is_ready(self, name: str) -> bool:
        return self._processes[name].ready

    def request_stop(self) -> None:
        """Ends `run`; safe from a signal handler, which must not wait for processes itself."""
        self._stopping.set()

    def stop_requested(self) -> bool:
        return self._stopping.is_set()

    def wait_for_stop_request(self) -> None:
        self._stopping.wait()

    def run(self) -> None:
        """Restarts what exits, until `request_stop`; runs beside the thread that starts programs."""
        while not self._stopping.wait(TICK_SECONDS):
            now = time.monotonic()
            with self._lock:
                supervised = list(self._processes.values())
            for running in supervised:
                if running.popen is not None and running.popen.poll() is not None:
                    self._exited(running, now)
                if running.restart_at is not None and now >= running.restart_at:
                    self._spawn(running)

    def stop(self, names: Iterable[str] | None = None) -> None:
        """SIGTERM to each named program (all by default) at once, so their graceful shutdowns
        overlap; SIGKILL to whatever of their process groups is left at the deadline."""
        self._stopping.set()
        stopping = [self._processes[name] for name in (names or list(self._processes))]
        for running in stopping:
            running.restart_at = None
            if running.popen is not None and running.popen.poll() is None:
                running.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for running in stopping:
            if running.popen is None:
                continue
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            self._kill_group(running.popen.pid)
            running.popen.wait()
            running.ready = False
            if running.reader is not None:
                running.reader.join(timeout=STOP_TIMEOUT_SECONDS)
            running.popen = None
        self._write_state()

    def _spawn(self, running: _Running) -> None:
        running.restart_at = None
        running.ready = False
        running.popen = subprocess.Popen(  # noqa: S603 - the launcher's own command lines
            list(running.program.argv),
            cwd=self.cwd,
            env=dict(running.program.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # A group of its own: the terminal's Ctrl-C reaches the supervisor only, which stops
            # each program in order, and a kill of the group also ends a worker's pool children.
            start_new_session=True,
        )
        running.started_at = time.monotonic()
        running.starts += 1
        running.reader = threading.Thread(
            target=self._relay, args=(running, running.popen), daemon=True
        )
        running.reader.start()
        self._write_state()

    def _relay(self, running: _Running, popen: subprocess.Popen) -> None:
        for raw in popen.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.say(running.program.name, line)
            # Lines a process printed before it exited never count for the one started after it.
            if running.popen is popen and not running.ready and running.program.ready_line in line:
                running.ready = True
                self._write_state()
        popen.stdout.close()

    def _exited(self, running: _Running, now: float) -> None:
        popen, running.popen = running.popen, None
        # What the process forked (a worker's pool child) must not outlive it and hold its queue.
        self._kill_group(popen.pid)
        ran = now - running.started_at
        running.exits += 1
        running.last_exit = describe_exit(popen.returncode)
        running.ready = False
        running.quick_exits = running.quick_exits + 1 if ran < STEADY_RUN_SECONDS else 0
        delay = (
            backoff_delay(
                attempt=running.quick_exits,
                first=FIRST_RESTART_DELAY_SECONDS,
                longest=MAX_RESTART_DELAY_SECONDS,
            )
            if running.quick_exits
            else 0.0
        )
        running.restart_at = now + delay
        self.say(
            "supervisor",
            f"{running.program.name} (pid {popen.pid}) exited with {running.last_exit} after "
            f"{ran:.0f}s; starting it again in {delay:g}s",
        )
        self._write_state()

    @staticmethod
    def _kill_group(pgid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)

    def _write_state(self) -> None:
        with self._lock:
            state = {
                "supervisor_pid": os.getpid(),
                "updated_at": datetime.now(UTC).isoformat(),
                "processes": {
                    name: {
                        "pid": running.popen.pid if running.popen is not None else None,
                        "starts": running.starts,
                        "exits": running.exits,
                        "last_exit": running.last_exit,
                        "ready": running.ready,
                    }
                    for name, running in self._processes.items()
                },
            }
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            aside = self.state_file.with_suffix(".json.new")
            aside.write_text(json.dumps(state, indent=2) + "\n")
            aside.replace(self.state_file)
