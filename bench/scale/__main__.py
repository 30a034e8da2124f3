"""Measures the customer and staff pages at the kata's size against the same pages on demo-sized
data, in one run, and fails on a query plan that reads a whole large table.

    .venv/bin/python -m bench.scale --customers 1000000 --tickets 10000000 --experts 10000

For each size it fills databases of its own (`bench_scale_demo_<alias>`, `bench_scale_full_<alias>`;
bench/scale/fill.py), probes every operation's queries in-process and explains them (a sequential
scan of a table over 100,000 rows fails the run), then serves both sizes with gunicorn at once and
drives each operation against one size, then the other, `--passes` times over, with the portal
benchmark's closed-loop load generator (bench/portal/load.py): log in, the ticket list, a ticket
with its timeline, the invoice list, a ticket submission, an expert's assignment list, the
helpdesk's search. It prints p50 and p99 per operation and size over all passes, the ratio of the
p99s and each pass's, writes result.json and plans.txt under bench-results/scale-<time>/, and
drops the databases (unless --keep).
"""

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.portal.harness import percentile
from bench.portal.load import EXPECTED, in_own_process
from bench.portal.system import REPOSITORY, BenchSystem, Databases, base_environment, private_broker
from bench.scale.fill import Size
from bench.scale.operations import OPERATIONS

P99_RATIO_TARGET = 1.2
P99_CEILING_MS = 2000
SIZES = ("demo", "full")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=10_000_000)
    parser.add_argument("--experts", type=int, default=10_000)
    # A size at which names repeat as at the full size (200 names: 50 customers share one) and a
    # title's or a name's search fills a page, so that each page lists as many tickets at both
    # sizes and the ratio measures the data's growth, not a longer page.
    parser.add_argument("--demo-customers", type=int, default=10_000)
    parser.add_argument("--demo-tickets", type=int, default=100_000)
    parser.add_argument("--demo-experts", type=int, default=100)
    parser.add_argument("--samples", type=int, default=500, help="sampled users per size")
    parser.add_argument("--fill-workers", type=int, default=4, help="fill statements run at once")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds measured per phase (a pass, a size)"
    )
    parser.add_argument(
        "--passes", type=int, default=2, help="times each operation goes through both sizes"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds sent before measuring")
    parser.add_argument("--concurrency", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers per size")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--databases", default="bench_scale", help="names: <this>_demo_<alias>, <this>_full_<alias>"
    )
    parser.add_argument("--output", type=Path, default=REPOSITORY / "bench-results")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the databases a --keep run left, unfilled"
    )
    return parser.parse_args()


def main() -> None:
    options = arguments()
    sizes = {
        "demo": Size(options.demo_customers, options.demo_tickets, options.demo_experts),
        "full": Size(options.customers, options.tickets, options.experts),
    }
    workdir = options.output / f"scale-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    workdir.mkdir(parents=True)
    started = time.monotonic()
    broker = private_broker(workdir)
    databases = {
        name: Databases(options.postgres, prefix=f"{options.databases}_{name}") for name in SIZES
    }
    systems: dict[str, BenchSystem] = {}
    try:
        broker.start()
        for name in SIZES:
            systems[name] = prepared(
                name, sizes[name], databases[name], broker.url, workdir, options
            )
        for system in systems.values():
            system.start_web()
        results = {
            operation: alternated(operation, systems, workdir, options) for operation in OPERATIONS
        }
    finally:
        for system in systems.values():
            system.stop()
        broker.terminate()
        if not options.keep:
            for database in databases.values():
                database.drop()
    plans = {name: json.loads((workdir / name / "plans.json").read_text()) for name in SIZES}
    shown = {name: json.loads((workdir / name / "shown.json").read_text()) for name in SIZES}
    outcome = {
        "finished_at": datetime.now(UTC).isoformat(),
        "seconds": round(time.monotonic() - started),
        "commit": commit(),
        "sizes": {name: vars(size) for name, size in sizes.items()},
        "parameters": {key: str(value) for key, value in vars(options).items()},
        "results": results,
        "rows_shown": shown,
    }
    (workdir / "result.json").write_text(json.dumps(outcome, indent=2))
    scans = plans_written(plans, workdir / "plans.txt")
    print((workdir / "plans.txt").read_text())
    print(table(results, sizes, shown))
    print(f"written to {workdir} in {outcome['seconds']} s")
    if scans:
        print("\nFAILED: sequential scans of tables over 100,000 rows:", file=sys.stderr)
        for line in scans:
            print(f"  {line}", file=sys.stderr)
        raise SystemExit(1)


def prepared(name, size, databases, broker_url, workdir, options) -> BenchSystem:
    """The size's databases filled (or reused), its users sampled and its plans probed; its web
    server ready to start."""
    folder = workdir / name
    folder.mkdir()
    fill = not (options.reuse and databases.exist())
    print(f"{name}: {size} ({'filling' if fill else 'reusing'} {databases.prefix}_*)", flush=True)
    if fill:
        databases.create()
    env = base_environment(
        databases=databases,
        broker_url=broker_url,
        var_dir=workdir / "var" / name,
        log_level="WARNING",
    )
    env["DJANGO_SETTINGS_MODULE"] = "bench.scale.settings"
    subprocess.run(  # noqa: S603 - our own interpreter, arguments built here
        [
            sys.executable,
            *("-m", "bench.scale.prepare"),
            *("--customers", str(size.customers), "--tickets", str(size.tickets)),
            *("--experts", str(size.experts), "--samples", str(options.samples)),
            *(["--fill", "--workers", str(options.fill_workers)] if fill else []),
            *("--out", str(folder)),
        ],
        cwd=REPOSITORY,
        env=env,
        check=True,
    )
    return BenchSystem(
        env=env, workdir=folder, web_workers=options.web_workers, worker_concurrency=1
    )


def alternated(operation: str, systems: dict[str, BenchSystem], workdir: Path, options) -> dict:
    """The operation's figures per size, over `--passes` turns through both sizes: a disturbance of
    a few seconds (a checkpoint, the operating system's cache) then falls on a part of each size's
    samples, not on the whole of one size's, where one slow second decides a p99."""
    workload = OPERATIONS[operation]
    passes: dict[str, list[list]] = {name: [] for name in SIZES}
    for number in range(1, options.passes + 1):
        for name in SIZES:
            folder = workdir / name
            print(f"  {operation} on {name}, pass {number} of {options.passes} ...", flush=True)
            passes[name].append(
                in_own_process(
                    base_url=systems[name].base_url,
                    workloads=(workload,),
                    customers=folder / "users.json",
                    out=folder / f"load-{workload.replace(' ', '-')}-{number}.json",
                    duration=options.duration,
                    warmup=options.warmup,
                    concurrency=options.concurrency,
                )["workloads"][0]["samples"]
            )
    return {
        name: summary(
            [sample for each in runs for sample in each],
            workload,
            seconds=options.duration * options.passes,
        )
        # Each pass's own figures too: the first pass at a size reads what its caches do not
        # hold yet, the next what the first left there.
        | {"passes": [summary(each, workload, seconds=options.duration) for each in runs]}
        for name, runs in passes.items()
    }


def summary(samples: list, workload: str, *, seconds: float) -> dict:
    answered = [latency for _, latency, status in samples if status == EXPECTED[workload]]
    return {
        "requests": len(samples),
        "errors": len(samples) - len(answered),
        "per_second": round(len(answered) / seconds, 1),
        "p50_ms": milliseconds(percentile(answered, 0.50)),
        "p99_ms": milliseconds(percentile(answered, 0.99)),
    }


def milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def plans_written(plans: dict, path: Path) -> list[str]:
    """Every probed statement with its plan, per size and operation; returns the large tables read
    whole, each with where."""
    lines, scans = [], []
    for name, operations in plans.items():
        for operation, statements in operations.items():
            lines.append(f"\n=== {name}: {operation} ({len(statements)} statements) ===")
            for statement in statements:
                lines += [f"-- {statement['alias']}: {statement['sql']}", statement["plan"]]
                scans += [
                    f"{name}, {operation}: {table} ({rows:,} rows) in {statement['sql'][:120]}"
                    for table, rows in statement["sequential_scans"]
                ]
    path.write_text("\n".join(lines) + "\n")
    return scans


def p99_ratio(small: dict, large: dict) -> float | None:
    return large["p99_ms"] / small["p99_ms"] if large["p99_ms"] and small["p99_ms"] else None


def shown_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}"


def table(results: dict, sizes: dict, shown: dict) -> str:
    demo, full = sizes["demo"], sizes["full"]
    rows = [
        f"demo: {demo.customers:,} customers, {demo.tickets:,} tickets, {demo.experts:,} experts; "
        f"full: {full.customers:,} customers, {full.tickets:,} tickets, {full.experts:,} experts",
        "",
        "| operation | rows shown (demo / full) | demo p50 | demo p99 | full p50 | full p99 "
        "| full p99 ÷ demo p99 | each pass's | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for operation, measured in results.items():
        small, large = measured["demo"], measured["full"]
        ratio = p99_ratio(small, large)
        each_pass = " / ".join(
            shown_ratio(p99_ratio(*pair))
            for pair in zip(small["passes"], large["passes"], strict=True)
        )
        met = (
            ratio is not None
            and ratio <= P99_RATIO_TARGET
            and large["p99_ms"] < P99_CEILING_MS
            and not large["errors"]
        )
        rows_shown = (
            f"{shown['demo'][operation]:.0f} / {shown['full'][operation]:.0f}"
            if operation in shown["demo"]
            else "—"
        )
        rows.append(
            f"| {operation} | {rows_shown} | {small['p50_ms']} | {small['p99_ms']} | "
            f"{large['p50_ms']} | "
            f"{large['p99_ms']} | {shown_ratio(ratio)} | {each_pass} | "
            f"{'yes' if met else '**no**'} |"
        )
    rows.append(
        f"\n(ms; target: full p99 at most {P99_RATIO_TARGET} times demo p99 and under "
        f"{P99_CEILING_MS} ms, "
        "no errors)"
    )
    return "\n".join(rows)


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


if __name__ == "__main__":
    main()
