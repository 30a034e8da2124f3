"""Where a phase's CPU went: seconds used by each part of the system, read from the operating
system's own accounting (psutil), so a figure of the harness can be split into what the web, each
worker, PostgreSQL, Redis and the load generator spent on it.

A process tree counts its live processes and the children it has already reaped (a backend that
PostgreSQL closed, the load generator once it has exited). The machine's busy time is the total,
less the harness's own (it reads, and polls until the messages are applied) and, where the product
and the monolith run side by side, the other system's: what no part accounts for is *other* (the
kernel's own threads, whatever else runs on the machine).
"""

import os

import psutil

from bench.portal.system import BenchSystem
from tests.integration.servers import RedisServer


def _busy(times) -> float:
    return (
        times.user
        + times.system
        + getattr(times, "children_user", 0.0)
        + getattr(times, "children_system", 0.0)
    )


def process_tree_seconds(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return None
    total = 0.0
    for process in processes:
        try:
            total += _busy(process.cpu_times())
        except psutil.NoSuchProcess:
            continue  # ended between the listing and the reading: its time is in its parent's
    return total


def _postgresql_server() -> int | None:
    """The machine's PostgreSQL postmaster (the process whose parent is not PostgreSQL)."""
    for process in psutil.process_iter(["name", "ppid"]):
        if process.info["name"] != "postgres":
            continue
        try:
            if psutil.Process(process.info["ppid"]).name() != "postgres":
                return process.pid
        except psutil.NoSuchProcess:
            continue
    return None


def _machine_busy() -> float:
    times = psutil.cpu_times()
    return sum(
        getattr(times, field, 0.0)
        for field in ("user", "nice", "system", "irq", "softirq", "steal")
    )


# Read, and left out of the total: the other system's own processes while one is measured (the
# product's web, workers and beat idle beside the monolith, or the monolith's web beside the
# product), and the harness, which takes the readings and polls until the messages are applied.
BESIDE = "beside: "
HARNESS = BESIDE + "the harness"


def reading(
    system: BenchSystem,
    broker: RedisServer,
    *,
    monolith: bool = False,
    load_generator: int | None = None,
) -> dict[str, float]:
    """CPU seconds used so far by each part of the product, or of the monolith, and by what they
    share (PostgreSQL, Redis, the load generator, the machine); compare two readings with `spent`.
    The load generator's are counted once it has exited, or from its process (`load_generator`)
    while it runs."""
    own = os.times()
    product = {
        "web": system.web,
        "beat": system.scheduler,
        **{f"{quantum} worker": worker for quantum, worker in system.workers.items()},
    }
    measured, beside = (
        ({"web": system.monolith}, product) if monolith else (product, {"web": system.monolith})
    )
    parts = {
        # This process reaps the load generator, and nothing else, while a phase runs.
        "load generator": own.children_user + own.children_system
        if load_generator is None
        else process_tree_seconds(load_generator),
        HARNESS: own.user + own.system,
        **{
            part: process_tree_seconds(process and process.pid)
            for part, process in measured.items()
        },
        **{
            BESIDE + part: process_tree_seconds(process and process.pid)
            for part, process in beside.items()
        },
        "PostgreSQL": process_tree_seconds(_postgresql_server()),
        "Redis": process_tree_seconds(broker.process.pid),
        "machine": _machine_busy(),
    }
    return {part: seconds for part, seconds in parts.items() if seconds is not None}


def spent(before: dict[str, float], after: dict[str, float], *, requests: int) -> dict | None:
    """Milliseconds of CPU per request, by part (the workers also summed), from two readings; the
    harness and the other system's processes are not in the total."""
    return spent_over([(before, after)], requests=requests)


def spent_over(stretches: list[tuple[dict, dict]], *, requests: int) -> dict | None:
    """`spent` over several stretches of time, each a reading at its start and one at its end: a
    part counts in a stretch where both read it."""
    if not requests:
        return None
    seconds: dict[str, float] = {}
    for before, after in stretches:
        for part in (part for part in after if part in before):
            seconds[part] = seconds.get(part, 0.0) + after[part] - before[part]
    per_request = {part: spent_seconds * 1000 / requests for part, spent_seconds in seconds.items()}
    machine = per_request.pop("machine") - sum(
        per_request.pop(part) for part in list(per_request) if part.startswith(BESIDE)
    )
    workers = sum(ms for part, ms in per_request.items() if part.endswith(" worker"))
    accounted = sum(per_request.values())
    figures = {**per_request, "workers": workers, "other": max(0.0, machine - accounted)}
    figures["total"] = machine
    return {part: round(ms, 2) for part, ms in figures.items()}
