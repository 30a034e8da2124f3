"""PostgreSQL servers of a test's own, one per database alias, which a test may stop and start: the
whole server goes down, as when its host fails, not one database of a shared server.

Each is a cluster made with `initdb` in a temporary folder, served on a free port of its own and
removed afterwards, whatever the test's outcome. Made for speed, since the data need not outlive the
test: one `initdb --no-sync` whose folder is copied for every server, and `fsync=off`. PostgreSQL
refuses to run as root, so under root each server runs as the `postgres` account, in a folder it owns.
"""

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.db import connections
from psycopg import sql

from tests.integration.processes import ManagedProcess, as_user

START_TIMEOUT_SECONDS = 60.0
COMMAND_TIMEOUT_SECONDS = 120.0
SUPERUSER = "postgres"
# Test servers: nothing is flushed to disk, and a few small ones fit beside the machine's own.
SERVER_SETTINGS = (
    "listen_addresses=127.0.0.1",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "shared_buffers=16MB",
    "max_connections=50",
)


# Where the kernel takes the ports of outgoing connections from (Linux's default when unreadable).
EPHEMERAL_PORTS = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_PORT = 10_000


def unused_port() -> int:
    """A port nobody listens on, below the range the kernel gives outgoing connections: a port
    from that range was seen taken by somebody's connection between the pick and the server's
    bind, and a server stopped and started again must find its port still free."""
    first_ephemeral = (
        int(EPHEMERAL_PORTS.read_text().split()[0]) if EPHEMERAL_PORTS.exists() else 32_768
    )
    while True:
        port = LOWEST_PORT + secrets.randbelow(first_ephemeral - LOWEST_PORT)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL's programs (Debian keeps each version apart), else those on the PATH."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda initdb: tuple(int(part) for part in initdb.parts[-3].split(".")),
    )
    if installed:
        return installed[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def server_account() -> str | None:
    """Who runs the servers: the `postgres` account under root, else whoever runs the tests."""
    return SUPERUSER if os.geteuid() == 0 else None


def postgres_servers_problem() -> str | None:
    """Why this machine cannot start servers of a test's own, if it cannot."""
    if postgres_bin_dir() is None:
        return "PostgreSQL's initdb is not installed (Debian: postgresql)"
    user = server_account()
    if user is not None:
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"running as root, and there is no {user!r} account to run PostgreSQL as"
    return None


class PostgresServer:
    """One cluster on its own port; `stop_immediately` and `start` take the whole server down and
    bring it back on the same port with the same data, as an operator's `pg_ctl` does."""

    def __init__(
        self, *, name: str, bin_dir: Path, data_dir: Path, log_path: Path, user: str | None
    ) -> None:
        self.bin_dir = bin_dir
        self.data_dir = data_dir
        self.user = user
        self.port = unused_port()
        self.process = ManagedProcess(
            f"postgres-{name}:{self.port}",
            [
                str(bin_dir / "postgres"),
                *("-D", str(data_dir), "-p", str(self.port)),
                # Its socket in its own folder: the machine's server owns the usual one.
                *("-c", f"unix_socket_directories={data_dir}"),
                *(argument for setting in SERVER_SETTINGS for argument in ("-c", setting)),
            ],
            env={},
            cwd=data_dir,
            log_path=log_path,
            user=user,
        )

    def connect(self) -> psycopg.Connection:
        """A session on the server's maintenance database, outside the databases under test."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname="postgres",
            autocommit=True,
            connect_timeout=2,
        )

    def answers(self) -> bool:
        try:
            self.connect().close()
        except psycopg.OperationalError:
            return False
        return True

    def start(self) -> "PostgresServer":
        """Starts the server, or starts it again on its port and data after `stop_immediately`;
        `wait_until_serving` waits for it, so several can boot at once."""
        self.process.start()
        return self

    def wait_until_serving(self) -> "PostgresServer":
        self.process.wait_until_ready(
            self.answers, timeout=START_TIMEOUT_SECONDS, what="accepts connections"
        )
        return self

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every session is cut and nothing is shut down cleanly, as
        when the server's host dies; the next start recovers from the write-ahead log."""
        stopped = subprocess.run(
            [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
            **as_user(self.user),
        )
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        self.process.wait_for_exit(timeout=START_TIMEOUT_SECONDS)

    def create_database(self, name: str) -> None:
        with self.connect() as server:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def terminate(self) -> None:
        """Whatever state the test left it in, the server is gone afterwards."""
        if self.process.is_running():
            self.stop_immediately()
        self.process.stop()


def run_as(user: str | None, argv: list[str]) -> None:
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
        **as_user(user),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stdout}{done.stderr}")


@contextmanager
def postgres_servers(names: Iterable[str], *, log_dir: Path) -> Iterator[dict[str, PostgresServer]]:
    """A running server for each name while inside; afterwards every one is stopped and its folder
    removed, even when starting them failed half-way."""
    bin_dir = postgres_bin_dir()
    user = server_account()
    # In /tmp, not in pytest's folder: that one is private to the user running the tests.
    root = Path(tempfile.mkdtemp(prefix="sysops-postgres-"))
    servers: dict[str, PostgresServer] = {}
    try:
        if user is not None:
            account = pwd.getpwnam(user)
            os.chown(root, account.pw_uid, account.pw_gid)
        template = root / "template"
        run_as(
            user,
            [
                str(bin_dir / "initdb"),
                *("-D", str(template), "-U", SUPERUSER, "--auth=trust"),
                *("--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"),
            ],
        )
        for name in names:
            run_as(user, ["cp", "-a", str(template), str(root / name)])
            servers[name] = PostgresServer(
                name=name,
                bin_dir=bin_dir,
                data_dir=root / name,
                log_path=log_dir / f"postgres-{name}.log",
                user=user,
            )
        # All at once: the servers boot in parallel, then each is awaited in turn.
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_until_serving()
        yield servers
    finally:
        for server in servers.values():
            server.terminate()
        shutil.rmtree(root)


@contextmanager
def databases_moved_to(servers: Mapping[str, PostgresServer]) -> Iterator[None]:
    """While inside, this process's connection of each alias goes to a database of the same name on
    its own server (`servers` by alias), and so do the processes a test starts, which are given the
    URLs of the test's connections; afterwards they go back to the test databases they had."""
    before = {alias: dict(connections[alias].settings_dict) for alias in servers}
    try:
        for alias, server in servers.items():
            connections[alias].close()
            name = f"sysops_{alias}"
            server.create_database(name)
            connections[alias].settings_dict.update(
                HOST="127.0.0.1", PORT=str(server.port), NAME=name, USER=SUPERUSER, PASSWORD=""
            )
        yield
    finally:
        for alias, settings_dict in before.items():
            connections[alias].close()
            connections[alias].settings_dict.update(settings_dict)
