"""The processes a running system is made of, defined once: the embedded supervisor (`make run`)
starts these command lines on one machine, and compose.yaml runs the same ones in production's
shape, which tests/operations/test_production_shape.py holds to this table.

Read without the settings, as config/quanta.py is, so the launcher can use it before any database
or broker exists."""

from dataclasses import dataclass

from config.quanta import QUANTA

# Who may hold billing's private and at-rest card keys (PCI DSS 4.0 §3.6): its worker, nobody else.
CARD_KEYS_HOLDER = "billing"


@dataclass(frozen=True)
class SystemProcess:
    name: str
    # A program of the virtualenv (or the image's PATH) and its arguments.
    command: tuple[str, ...]
    # A line it prints once it serves: the embedded launcher's banner waits for every one.
    ready_line: str
    # Exits 0 while the process does its work; run on the process's own host.
    health_check: tuple[str, ...] | None
    # More copies on more hosts only add capacity; a single one must run exactly once.
    single: bool = False
    holds_card_keys: bool = False


def web(*, host: str, port: int) -> SystemProcess:
    return SystemProcess(
        name="web",
        command=(
            "gunicorn",
            "config.wsgi:application",
            *("--bind", f"{host}:{port}", "--workers", "2", "--preload"),
            *("--graceful-timeout", "5"),
            # Its control socket lives in the user's home by default, shared with any other
            # gunicorn of that user (a test's, a benchmark's); nothing here uses it.
            "--no-control-socket",
        ),
        ready_line="Booting worker",
        health_check=("python", "-m", "operations.web_probe", str(port)),
    )


def worker(quantum: str, *, concurrency: int = 1) -> SystemProcess:
    return SystemProcess(
        name=quantum,
        command=(
            "celery",
            *("-A", "config", "worker", "--loglevel", "INFO"),
            *("--queues", quantum, "--hostname", f"{quantum}@%h"),
            *("--concurrency", str(concurrency)),
            # Gossip and mingle only exchange state between workers, which these do not need,
            # and gossip fails with an AttributeError when it restarts after a broker loss.
            # Heartbeats are events for gossip and monitors, sent every 2 s by every worker; the
            # system's own checks ask each worker directly (remote control) instead (issue 18).
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ),
        ready_line=" ready.",
        health_check=("python", "manage.py", "worker_health", quantum),
        holds_card_keys=quantum == CARD_KEYS_HOLDER,
    )


# Two schedulers would send every periodic job twice: the assignment job, the Payment job and the
# catalog replication stay correct run twice at once (their fault tests), but each second run is
# wasted work on the same locks.
SCHEDULER = SystemProcess(
    name="scheduler",
    command=("celery", "-A", "config", "beat", "--loglevel", "INFO"),
    ready_line="celery beat v",
    health_check=None,
    single=True,
)


def system_processes(*, host: str, port: int) -> list[SystemProcess]:
    """The web on host:port, one worker per quantum queue, and the scheduler."""
    return [web(host=host, port=port), *(worker(quantum) for quantum in QUANTA), SCHEDULER]
