"""Redis for the integration tests: a private server a test may stop, and hygiene on the shared one."""

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import redis

from tests.integration.processes import ManagedProcess

REDIS_SERVER = Path("/usr/bin/redis-server")
REDIS_CLI = Path("/usr/bin/redis-cli")
START_TIMEOUT_SECONDS = 15.0


def redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def keys_with_prefix(url: str, prefix: str) -> list[str]:
    client = redis.Redis.from_url(url, decode_responses=True)
    # SCAN's pattern is a glob: escape the prefix so it matches itself and nothing else.
    pattern = re.sub(r"([\\*?\[\]])", r"\\\1", prefix) + "*"
    return [key for key in client.scan_iter(match=pattern, count=1000) if key.startswith(prefix)]


def broker_dump(url: str, prefix: str) -> str:
    """Everything stored under the prefix, with each kombu message's body decoded: the broker keeps
    bodies base64-encoded, so a plain search of the raw values would miss a leaked field."""
    client = redis.Redis.from_url(url)
    read = {
        b"string": lambda key: [client.get(key)],
        b"list": lambda key: client.lrange(key, 0, -1),
        b"hash": lambda key: list(client.hgetall(key).values()),
        b"set": lambda key: list(client.smembers(key)),
        b"zset": lambda key: client.zrange(key, 0, -1),
    }
    values = [
        value.decode(errors="replace")
        for key in keys_with_prefix(url, prefix)
        # A key may vanish between the scan and the read (a worker took the message): nothing to read.
        for value in read.get(client.type(key), lambda key: [])(key)
    ]
    return "\n".join(values + [body for value in values if (body := _message_body(value))])


def task_body(message: dict) -> str:
    """A task's body as queued: the Redis transport keeps it base64-encoded in the message."""
    return base64.b64decode(message["body"]).decode()


def _message_body(value: str) -> str | None:
    try:
        message = json.loads(value)
        if isinstance(
            message, list
        ):  # unacknowledged messages are kept as [message, exchange, key]
            message = message[0]
        return task_body(message)
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def delete_keys_with_prefix(url: str, prefix: str) -> int:
    """Removes a test run's keys from a shared Redis, and only those: others' keys are not ours."""
    if not prefix:
        raise ValueError("refusing to delete every key of a shared Redis")
    keys = keys_with_prefix(url, prefix)
    if keys:
        redis.Redis.from_url(url).delete(*keys)
    return len(keys)


class RedisServer:
    """A redis-server of the test's own, which the test may stop and start again on the same port.

    The machine's shared Redis is never stopped. This one keeps an append-only file in its data
    folder, so what was queued survives a stop and start as it does on a production broker.
    """

    def __init__(self, *, port: int, data_dir: Path, log_path: Path) -> None:
        self.port = port
        self.data_dir = data_dir
        self.process = ManagedProcess(
            f"redis-server:{port}",
            [
                str(REDIS_SERVER),
                *f"--port {port} --bind 127.0.0.1 --appendonly yes".split(),
                *("--dir", str(data_dir), "--save", ""),  # no snapshots: the append-only file only
            ],
            env={},
            cwd=data_dir,
            log_path=log_path,
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        """Starts the server, or starts it again on the same port and data after `stop`."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process.start()
        self.process.wait_until_ready(
            lambda: redis_answers(self.url), timeout=START_TIMEOUT_SECONDS, what="answers PING"
        )
        return self

    def stop(self) -> None:
        """A clean shutdown, as an operator does it: the append-only file keeps the data."""
        subprocess.run(
            [str(REDIS_CLI), "-p", str(self.port), "shutdown"],
            capture_output=True,
            timeout=START_TIMEOUT_SECONDS,
            check=False,
        )
        self.process.wait_for_exit(timeout=START_TIMEOUT_SECONDS)

    def wipe(self) -> None:
        """The server dies and comes back with nothing, as a broker without persistence does."""
        self.process.kill()
        shutil.rmtree(self.data_dir)
        self.start()

    def terminate(self) -> None:
        """Whatever state the test left it in, the server is gone afterwards."""
        self.process.stop()
