"""Child processes of an integration test: started with a log file, awaited with a deadline, always stopped.

Every condition a test waits for goes through `wait_until`, so a test never sleeps a fixed time and a
wait that times out says what it was waiting for.
"""

import contextlib
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

STOP_TIMEOUT_SECONDS = 15.0


class WaitTimeout(AssertionError):
    """A condition the test waited for did not come true before its deadline."""


class ProcessExited(AssertionError):
    """A process the test needs running has exited."""


def wait_until(
    condition: Callable[[], T], *, timeout: float, what: str, interval: float = 0.05
) -> T:
    """Polls `condition` until it returns something truthy, and returns that."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = condition()
        if outcome:
            return outcome
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"gave up after {timeout:g}s waiting until {what}")
        time.sleep(interval)


def as_user(user: str | None) -> dict:
    """Popen's arguments that run a child as `user`, with that user's group and none of ours: a
    server that refuses to run as root (PostgreSQL) is started by root this way."""
    if user is None:
        return {}
    account = pwd.getpwnam(user)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def free_port() -> int:
    """A TCP port nobody listens on right now; the OS picks it, so parallel runs do not collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ManagedProcess:
    """One child process whose output goes to a log file, so a failing test can show what it said."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        user: str | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log_path
        self.user = user
        self._popen: subprocess.Popen | None = None
        self._log_offset_at_start = 0

    def __repr__(self) -> str:
        return f"<ManagedProcess {self.name} pid={self.pid}>"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def start(self) -> "ManagedProcess":
        """Starts the process, or starts it again once it has exited."""
        if self.is_running():
            raise RuntimeError(f"{self.name} is already running")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Appending keeps the lines of an earlier run of the same process (a restarted server).
        with self.log_path.open("ab") as log:
            self._log_offset_at_start = log.tell()
            self._popen = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A group of its own, so the kill at the deadline also reaches a worker's pool children.
                start_new_session=True,
                **as_user(self.user),
            )
        return self

    def is_running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_since_start(self) -> str:
        """Only what the latest start wrote, so a restarted process is not taken for ready too soon."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset_at_start)
            return log.read().decode(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_until_ready(self, is_ready: Callable[[], bool], *, timeout: float, what: str) -> None:
        """Waits for `is_ready`, failing at once (with the log) if the process dies meanwhile."""

        def ready() -> bool:
            self.require_running()
            return is_ready()

        wait_until(ready, timeout=timeout, what=f"{self.name} {what}")

    def wait_for_log(self, text: str, *, timeout: float) -> None:
        self.wait_until_ready(
            lambda: text in self.log_since_start(), timeout=timeout, what=f"logs {text!r}"
        )

    def require_running(self) -> None:
        if not self.is_running():
            raise ProcessExited(
                f"{self.name} exited with code {self.returncode}; its log ends with:\n"
                f"{self.log_tail()}"
            )

    def send_signal(self, signum: signal.Signals) -> None:
        """Signals the main process only, as an operator's `kill` would."""
        if self.is_running():
            self._popen.send_signal(signum)

    def wait_for_exit(self, *, timeout: float) -> int:
        try:
            return self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise WaitTimeout(
                f"{self.name} still runs {timeout:g}s after it was asked to stop"
            ) from None

    def stop(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        stop_all([self], timeout=timeout)

    def kill(self) -> None:
        """SIGKILL to the process and every child it forked, as a crashed host would end them."""
        if self._popen is None:
            return
        with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
            os.killpg(self._popen.pid, signal.SIGKILL)
        self._popen.wait()


def stop_all(processes: Iterable[ManagedProcess], *, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM to all at once, so their graceful shutdowns overlap; SIGKILL to what is left at the deadline."""
    processes = list(processes)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        if process.is_running():
            with contextlib.suppress(WaitTimeout):  # killed below
                process.wait_for_exit(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        process.kill()
