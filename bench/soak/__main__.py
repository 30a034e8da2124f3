"""`make soak DURATION=30m RATE=2`: starts the `make run` system in a throwaway var folder, sends
mixed work through its API at RATE operations a second for DURATION, waits until every message is
confirmed, then prints and writes (result.json) what each accepted operation became, and how many
times a process exited. Exits non-zero unless work was accepted, every request was answered 2xx and
nothing was lost, duplicated or exited.

    .venv/bin/python -m bench.soak --duration 30m --rate 2 [--workdir DIR] [--keep-var]
"""

import argparse
import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.soak.system import REPOSITORY, system_start
from tests.integration.processes import ProcessExited, WaitTimeout, wait_until

UNITS = {"s": 1, "m": 60, "h": 3600}
COLUMNS = ("sent", "accepted", "refused", "applied_once", "lost", "duplicated")


def duration(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 45s, 30m or 1h")
    return float(match[1]) * UNITS[match[2] or "s"]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=duration, default=duration("1m"), help="e.g. 45s, 30m")
    parser.add_argument("--rate", type=float, default=2.0, help="operations a second")
    parser.add_argument("--customers", type=int, default=3, help="registered beside the demo's")
    parser.add_argument("--drain-timeout", type=duration, default=duration("5m"))
    parser.add_argument(
        "--workdir", type=Path, help="logs and result.json (default bench-results/soak-<time>)"
    )
    parser.add_argument("--keep-var", action="store_true", help="keep the databases afterwards")
    options = parser.parse_args()
    if options.rate <= 0:
        parser.error("--rate must be above 0")
    return options


def commit() -> str:
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607 - the developer's git
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    return described.stdout.strip() or "unknown"


def table(result: dict) -> str:
    width = max(len(kind) for kind in result["counts"])
    lines = [f"{'':{width}}  " + "  ".join(f"{column:>12}" for column in COLUMNS)]
    for kind, row in result["counts"].items():
        lines.append(f"{kind:{width}}  " + "  ".join(f"{row[c]:>12}" for c in COLUMNS))
    exits = sum(result["exits"].values())
    lines.append(f"processes that exited: {exits} {result['exits'] if exits else ''}".rstrip())
    return "\n".join(lines)


def problems(result: dict) -> list[str]:
    total = result["counts"]["total"]
    found = [
        f"{total[column]} {column.replace('_', ' ')}"
        for column in ("lost", "duplicated", "refused")
        if total[column]
    ]
    if not total["accepted"]:
        found.append("no work was accepted")
    if exits := sum(result["exits"].values()):
        found.append(f"{exits} process exits")
    if not result["every_message_confirmed"]:
        found.append("messages still unconfirmed at the drain deadline")
    return found


class Phases:
    """How long each phase of the soak took, said as each one ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._since = time.monotonic()

    def ended(self, phase: str) -> None:
        now = time.monotonic()
        self.seconds[phase] = round(now - self._since, 1)
        self._since = now
        print(f"soak: {phase} took {self.seconds[phase]:g}s", flush=True)


def soak(options: argparse.Namespace, workdir: Path) -> dict:
    started_at, code, phases = datetime.now(UTC), commit(), Phases()
    system = system_start(var_dir=workdir / "var", log_dir=workdir / "logs")
    phases.ended("start")
    try:
        # This process reads the databases the system writes, with the settings its processes have.
        os.environ.clear()
        os.environ.update(system.env)
        import django

        django.setup()
        # A line per request would bury the soak's own few lines.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        from bench.soak import outcome, workload

        print(f"soak: {options.rate:g} operations/s for {options.duration:g}s", flush=True)
        operations = asyncio.run(
            workload.drive(
                base_url=system.base_url,
                rate=options.rate,
                duration=options.duration,
                new_customers=options.customers,
            )
        )
        phases.ended("load")
        try:
            wait_until(
                lambda: outcome.unconfirmed_messages() == 0,
                timeout=options.drain_timeout,
                what="every message is confirmed",
                interval=1.0,
            )
            drained = True
        except WaitTimeout:
            drained = False
        phases.ended("drain")
        exits = system.exits()
    finally:
        system.stop()
    phases.ended("stop")
    return {
        "commit": code,
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_seconds": options.duration,
        "rate": options.rate,
        "counts": outcome.counts(operations),
        "refused_statuses": dict(
            Counter(f"{o.kind} {o.status}" for o in operations if not o.accepted)
        ),
        "exits": exits,
        "dead_letters": outcome.dead_letters(),
        "every_message_confirmed": drained,
        "phase_seconds": phases.seconds,
    }


def main() -> None:
    options = arguments()
    workdir = options.workdir or (
        REPOSITORY / "bench-results" / f"soak-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    )
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = soak(options, workdir)
    except (WaitTimeout, ProcessExited) as error:
        sys.exit(f"soak: the system did not start: {str(error).splitlines()[0]}")
    finally:
        if not options.keep_var:
            shutil.rmtree(workdir / "var", ignore_errors=True)
    result["problems"] = problems(result)
    (workdir / "result.json").write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"written to {workdir / 'result.json'}")
    if result["problems"]:
        sys.exit(f"soak failed: {', '.join(result['problems'])}")


if __name__ == "__main__":
    main()
