"""What the running system costs while nobody uses it: each part's CPU a second (the web, each
quantum's worker, beat, PostgreSQL, Redis), read from the operating system as `make bench` reads
its phases, with no request sent. What is left is the periodic work (every quantum's sweep every
2 s, beat sending them) and each process's own upkeep; `make bench` bills it to the requests of
every phase, and most of all to the side-by-side pieces' drains, where nothing else runs.

    .venv/bin/python -m bench.portal.idle [--seconds 30]

The system in the benchmark's shape (bench/portal/system.py) on databases of its own
(`bench_idle_<alias>`, so it can run beside `make bench`) and a redis-server of its own, all
removed afterwards.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.portal import cpu
from bench.portal.harness import bench_environment
from bench.portal.system import BenchSystem

# Started processes finish loading and run their first sweeps before the reading starts.
SETTLE_SECONDS = 5.0


def per_second(before: dict[str, float], after: dict[str, float], *, seconds: float) -> dict:
    """Milliseconds of CPU a second by part, from two `cpu.reading`s `seconds` apart; *machine*
    is the whole machine's busy time, the harness's own left out."""
    spent = {part: after[part] - before[part] for part in after if part in before}
    harness = spent.pop(cpu.HARNESS, 0.0)
    spent.pop("load generator", None)
    spent["machine"] -= harness
    system = sum(seconds_spent for part, seconds_spent in spent.items() if part != "machine")
    figures = {**spent, "the system's processes": system}
    return {
        part: round(seconds_spent * 1000 / seconds, 1) for part, seconds_spent in figures.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long it is read")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="sysops-idle-") as workdir,
        bench_environment(
            workdir=Path(workdir), postgres=options.postgres, database_prefix="bench_idle"
        ) as environment,
    ):
        system = BenchSystem(
            env=dict(os.environ), workdir=Path(workdir), web_workers=4, worker_concurrency=1
        )
        try:
            system.start_web()
            system.start_workers()
            system.start_scheduler()
            time.sleep(SETTLE_SECONDS)
            before = cpu.reading(system, environment.broker)
            time.sleep(options.seconds)
            after = cpu.reading(system, environment.broker)
        finally:
            system.stop()
    print(f"the system idle, CPU ms a second over {options.seconds:g} s:")
    for part, ms in per_second(before, after, seconds=options.seconds).items():
        print(f"  {part}: {ms:.1f}")


if __name__ == "__main__":
    main()
