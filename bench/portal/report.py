"""The benchmark's outcome as a markdown table, the issue's goals checked against it (reported, not
asserted) and a chart; everything also kept in result.json."""

import json
import statistics
from collections.abc import Callable
from pathlib import Path

from bench.portal.load import TICKET_WITHOUT_MESSAGE, WITH_OUTBOX_ROW_ONLY, WITHOUT_MESSAGE

# The product and the monolith taking turns, for the whole system's CPU per request.
SIDE_BY_SIDE = "side by side"
SCENARIOS = ("normal", "half load", "downstream slowed", "downstream down", "broker down")
SHORT = {
    "half load": "half load",
    "downstream slowed": "slowed",
    "downstream down": "down",
    "broker down": "no broker",
}


def find(
    phases: list[dict], *, scenario: str, delivery: str, workload: str, round_number: int = 1
) -> dict | None:
    wanted = (round_number, scenario, delivery, workload)
    for row in phases:
        if (row.get("round", 1), row["scenario"], row["delivery"], row["workload"]) == wanted:
            return row
    return None


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 2)


def scenario_of(row: dict) -> str:
    """The phase's scenario, and its round after the first."""
    number = row.get("round", 1)
    return row["scenario"] if number == 1 else f"{row['scenario']} (round {number})"


def goals(outcome: dict) -> list[dict]:
    phases = outcome["phases"]
    found = []

    def goal(name: str, value, target: str, met: bool | None, beside: str = "") -> None:
        found.append(
            {"goal": name, "measured": value, "target": target, "met": met, "beside": beside}
        )

    rounds = outcome["parameters"].get("runs", 1)

    def median(figure: Callable[[int], float | None]) -> tuple[float | None, str]:
        """The figure's median over the rounds, and each round's."""
        values = [figure(number) for number in range(1, rounds + 1)]
        measured = [value for value in values if value is not None]
        middle = round(statistics.median(measured), 2) if measured else None
        return middle, "rounds: " + ", ".join("—" if v is None else str(v) for v in values)

    def of(number: int, scenario: str, delivery: str, workload: str) -> dict:
        return find(
            phases, scenario=scenario, delivery=delivery, workload=workload, round_number=number
        ) or {"requests_per_second": None, "p99_ms": None}

    def beside_unmessaged(
        workload: str, figure: str, delivery: str, compared: str
    ) -> tuple[float | None, str]:
        """`compared`'s figure on the customer side alone ÷ that of `workload`'s request without
        its message, taken in the same turns; over the rounds, as `median`."""
        return median(
            lambda n: ratio(
                of(n, "downstream down", delivery, compared)[figure],
                of(n, "downstream down", "none", WITHOUT_MESSAGE[workload])[figure],
            )
        )

    def cpu_total(row: dict) -> float | None:
        return (row.get("cpu_ms_per_request") or {}).get("total")

    for workload in ("ticket", "card"):
        normal = find(phases, scenario="normal", delivery="broker", workload=workload)
        inline = find(phases, scenario="normal", delivery="inline", workload=workload)
        unmessaged = WITHOUT_MESSAGE[workload]
        cpu, rounds_cpu = median(
            lambda n, w=workload: ratio(
                cpu_total(of(n, SIDE_BY_SIDE, "broker", w)),
                cpu_total(of(n, SIDE_BY_SIDE, "inline", w)),
            )
        )
        goal(
            f"{workload}: whole-system CPU per request until applied and confirmed ÷ the "
            f"monolith's, side by side (median of {rounds})",
            cpu,
            "≤ 1.15",
            cpu is not None and cpu <= 1.15,
            f"{rounds_cpu}; product {cpu_total(of(1, SIDE_BY_SIDE, 'broker', workload))} ms, "
            f"monolith {cpu_total(of(1, SIDE_BY_SIDE, 'inline', workload))} ms in the first",
        )
        for figure, target, meets in (
            ("requests_per_second", "≥ 0.85", lambda value: value >= 0.85),
            ("p99_ms", "≤ 1.2", lambda value: value <= 1.2),
        ):
            name = "throughput" if figure != "p99_ms" else "p99"
            alone, rounds_alone = beside_unmessaged(workload, figure, "broker", workload)
            goal(
                f"{workload}, customer side alone: {name} with its message ÷ without "
                f"(median of {rounds})",
                alone,
                target,
                alone is not None and meets(alone),
                rounds_alone,
            )
            floor, rounds_floor = beside_unmessaged(
                workload, figure, "none", WITH_OUTBOX_ROW_ONLY[workload]
            )
            goal(
                f"{workload}, customer side alone: {name} with its outbox row only, never handed "
                f"over ÷ without: the floor of any hand-over (median of {rounds})",
                floor,
                f"reference for {target}",
                None,
                rounds_floor,
            )
        cost, rounds_cost = median(
            lambda n, u=unmessaged: ratio(
                of(n, "limit", "none", u)["requests_per_second"],
                of(n, "limit", "none", "insert")["requests_per_second"],
            )
        )
        goal(
            f"{workload} without its message: throughput ÷ bare insert (median of {rounds})",
            cost,
            "≥ 0.6",
            cost is not None and cost >= 0.6,
            rounds_cost,
        )
        slowed = find(phases, scenario="downstream slowed", delivery="broker", workload=workload)
        slowed_inline = find(
            phases, scenario="downstream slowed", delivery="inline", workload=workload
        )
        slowed_p99 = ratio(slowed["p99_ms"], normal["p99_ms"])
        goal(
            f"{workload}, downstream slowed: p99 ÷ its normal p99",
            slowed_p99,
            "≤ 1.2",
            slowed_p99 is not None and slowed_p99 <= 1.2,
            f"monolith: {ratio(slowed_inline['p99_ms'], inline['p99_ms'])}"
            f" (p99 {slowed_inline['p99_ms']} ms)",
        )
        for scenario in ("downstream down", "broker down"):
            down = find(phases, scenario=scenario, delivery="broker", workload=workload)
            checks = [
                check
                for check in outcome["recovery"]
                if (check["scenario"], check["workload"]) == (scenario, workload)
            ]
            delivered = bool(checks) and all(c["every_message_delivered"] for c in checks)
            inline_down = find(phases, scenario=scenario, delivery="inline", workload=workload)
            goal(
                f"{workload}, {scenario}: requests succeeded; all delivered after recovery",
                f"{1 - down['error_rate']:.2%}; "
                + ("all delivered" if delivered else "NOT all delivered"),
                "100%; all delivered",
                down["error_rate"] == 0 and delivered,
                "monolith: "
                + (
                    f"{inline_down['error_rate']:.2%} errors"
                    if inline_down
                    else "no broker, not affected"
                ),
            )
        half = find(phases, scenario="half load", delivery="broker", workload=workload)
        lag = half.get("lag_p99_ms")
        goal(
            f"{workload}: delivery lag p99 at half the maximum throughput ({half['load']})",
            lag,
            "< 100 ms",
            lag is not None and lag < 100,
            f"lag p50 {half.get('lag_p50_ms')} ms",
        )
    if rates := outcome.get("worker_rates"):
        ratios = [applied_ratio(figures) for figures in rates["rounds"]]
        applied = applied_ratio(rates)
        goal(
            f"one worker process: messages applied per second ÷ Celery's no-op tasks per second "
            f"(bursts of {rates['burst']:,}, median of {len(ratios)})",
            applied,
            "≥ 0.5",
            applied is not None and applied >= 0.5,
            f"rounds: {', '.join(str(value) for value in ratios)}; "
            f"{rates['messages_per_second']} TicketCreated/s against {rates['noop_per_second']} "
            f"no-op tasks/s in the median round ({rates['pool']} pool)",
        )
    return found


def applied_ratio(figures: dict) -> float | None:
    """One worker's messages applied per second ÷ its no-op tasks per second."""
    return ratio(figures["messages_per_second"], figures["noop_per_second"])


def median_round(rounds: list[dict]) -> dict:
    """The round whose ratio of one worker's rates is the median (the upper one of an even
    count), so the figures quoted beside it are one round's own."""
    return sorted(rounds, key=lambda figures: applied_ratio(figures) or 0)[len(rounds) // 2]


def markdown(outcome: dict) -> str:
    phases = outcome["phases"]
    limit = find(phases, scenario="limit", delivery="none", workload="insert")
    lines = [
        f"Run of {outcome['seconds']:.0f} s on {outcome['machine']['cores']} cores; phases of "
        f"{outcome['parameters']['duration']:g} s after {outcome['parameters']['warmup']:g} s "
        f"of warm-up, {outcome['parameters']['concurrency']} clients (closed loop) unless a rate "
        f"is given; workloads *in turns* share one load, {outcome['parameters']['turn_seconds']:g} "
        "s a turn, each measured as long over its own turns (on the customer side alone, "
        f"{outcome['parameters'].get('alone_duration', outcome['parameters']['duration']):g} s "
        "each); *side by side*, the product's and "
        f"the monolith's phases cut into {outcome['parameters'].get('pieces', 1)} loads each "
        "that take turns, the product's drained before the monolith's next. "
        "*broker*: the product; *inline*: the monolith baseline; ratios are to the bare insert "
        "(the limit) and, for the product, to the monolith in the same scenario.",
        "",
        "| scenario | workload | delivery | load | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| lag p50 ms | lag p99 ms | req/s ÷ limit | p99 ÷ limit | req/s ÷ monolith "
        "| p99 ÷ monolith |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in phases:
        inline = (
            find(phases, scenario=row["scenario"], delivery="inline", workload=row["workload"])
            if row["delivery"] == "broker"
            else None
        )
        cells = [
            scenario_of(row),
            row["workload"],
            row["delivery"],
            row["load"],
            row["requests_per_second"],
            row["p50_ms"],
            row["p95_ms"],
            row["p99_ms"],
            f"{row['error_rate']:.1%}" if row["error_rate"] is not None else None,
            row.get("lag_p50_ms"),
            row.get("lag_p99_ms"),
            ratio(row["requests_per_second"], limit["requests_per_second"]),
            ratio(row["p99_ms"], limit["p99_ms"]),
            ratio(row["requests_per_second"], inline and inline["requests_per_second"]),
            ratio(row["p99_ms"], inline and inline["p99_ms"]),
        ]
        lines.append("| " + " | ".join("—" if c is None else str(c) for c in cells) + " |")
    lines += ["", "| goal | measured | target | met | beside it |", "|---|---|---|---|---|"]
    for goal in outcome["goals"]:
        met = {True: "yes", False: "**no**", None: "—"}[goal["met"]]
        lines.append(
            f"| {goal['goal']} | {goal['measured']} | {goal['target']} | {met} | {goal['beside']} |"
        )
    lines += [
        "",
        "| after recovery | accepted | stored | applied | confirmed | recovered in s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for check in outcome["recovery"]:
        lines.append(
            f"| {check['scenario']}: {check['workload']} | {check['accepted']} | {check['stored']} "
            f"| {check['applied']} | {check['confirmed']} | {check['recovered_in_seconds']} |"
        )
    lines += [
        "",
        "Broker commands per accepted request, whole system (web, workers, beat; idle polling "
        "included: the page views, which send nothing, show its share):",
        "",
    ]
    for row in phases:
        if commands := row.get("broker_commands_per_request"):
            names = ", ".join(f"{name} {share:g}" for name, share in commands.items())
            lines.append(f"- {row['delivery']} {row['scenario']} {row['workload']}: {names}")
    lines += ["", *cpu_table(phases), *pools_table(outcome.get("worker_rates"))]
    lines += ["", "Hot path, one at a time (statements per database, broker round trips):", ""]
    for what, figures in outcome["hot_path"].items():
        statements = "; ".join(
            f"{alias} {sum(verbs.values())} ({', '.join(f'{v} {n}' for v, n in verbs.items())})"
            for alias, verbs in figures["statements"].items()
        )
        lines.append(f"- {what}: {statements or 'none'}; broker {figures['broker round trips']}")
    return "\n".join(lines) + "\n"


CPU_PARTS = ("load generator", "web", "workers", "beat", "PostgreSQL", "Redis", "other", "total")


def cpu_table(phases: list[dict]) -> list[str]:
    """Milliseconds of CPU per accepted request, by part of the system: from the start of the load
    until every message was applied (the phases without a wait: until the load ended)."""
    lines = [
        "CPU per accepted request, ms, by part (2 cores are 2,000 ms each second; until every "
        "message was applied, or to the end of the load where the phase does not wait; for "
        "workloads in turns, over each one's own turns):",
        "",
        "| scenario | workload | delivery | " + " | ".join(CPU_PARTS) + " |",
        "|---|---|---|" + "---:|" * len(CPU_PARTS),
    ]
    for row in phases:
        if figures := row.get("cpu_ms_per_request"):
            cells = [scenario_of(row), row["workload"], row["delivery"]]
            cells += [figures.get(part, "—") for part in CPU_PARTS]
            lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return lines


def pools_table(rates: dict | None) -> list[str]:
    """One worker's rates and its own CPU per task (its process and its pool's), by Celery pool."""
    if not rates:
        return []
    lines = [
        "",
        f"One worker, bursts of {rates['burst']:,}, by pool (the quanta's workers run "
        f"{rates['pool']}):",
        "",
        "| pool | no-op tasks/s | worker CPU per no-op, ms | TicketCreated applied/s | "
        "worker CPU per message, ms | messages ÷ no-op |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for pool, figures in rates["pools"].items():
        applied = applied_ratio(figures)
        cells = [
            pool,
            figures["noop_per_second"],
            figures["noop_worker_cpu_ms"],
            figures["messages_per_second"],
            figures["messages_worker_cpu_ms"],
            applied,
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return lines


def chart(outcome: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    phases = outcome["phases"]
    limit = find(phases, scenario="limit", delivery="none", workload="insert")
    unmessaged = find(phases, scenario="limit", delivery="none", workload=TICKET_WITHOUT_MESSAGE)
    figure, axes = plt.subplots(2, 2, figsize=(14, 9))
    panels = [
        (axes[0][0], "requests_per_second", "successful requests per second"),
        (axes[0][1], "p99_ms", "p99 latency (ms, log scale)"),
        (axes[1][0], "error_rate", "error rate"),
    ]
    keys = [
        (workload, scenario)
        for scenario in SCENARIOS
        for workload in ("ticket", "card", "page")
        if find(phases, scenario=scenario, delivery="broker", workload=workload)
    ]
    width = 0.4
    for axis, figure_key, title in panels:
        for offset, delivery, colour in (
            (-width / 2, "broker", "tab:blue"),
            (width / 2, "inline", "tab:orange"),
        ):
            values = []
            for workload, scenario in keys:
                row = find(phases, scenario=scenario, delivery=delivery, workload=workload)
                values.append((row or {}).get(figure_key) or 0)
            axis.bar(
                [n + offset for n in range(len(keys))],
                values,
                width,
                color=colour,
                label="product (broker)" if delivery == "broker" else "monolith (inline)",
            )
        if figure_key != "error_rate":
            axis.axhline(limit[figure_key], color="black", linestyle="--", label="bare insert")
            if unmessaged:
                axis.axhline(
                    unmessaged[figure_key],
                    color="grey",
                    linestyle=":",
                    label="ticket without its message",
                )
        if figure_key == "p99_ms":
            axis.set_yscale("log")
        axis.set_title(title)
        short = [f"{workload}\n{SHORT.get(scenario, scenario)}" for workload, scenario in keys]
        axis.set_xticks(range(len(keys)), short, fontsize=7)
        axis.legend(fontsize=8)
    lag_axis = axes[1][1]
    lag_rows = [row for row in phases if row.get("lag_p99_ms") is not None]
    lag_labels = [
        f"{r['workload']} {r['delivery']}\n{r['scenario']}\n{r['load']}" for r in lag_rows
    ]
    positions = range(len(lag_rows))
    lag_axis.bar(
        [p - width / 2 for p in positions], [r["lag_p50_ms"] for r in lag_rows], width, label="p50"
    )
    lag_axis.bar(
        [p + width / 2 for p in positions], [r["lag_p99_ms"] for r in lag_rows], width, label="p99"
    )
    lag_axis.axhline(100, color="red", linestyle=":", label="100 ms goal")
    lag_axis.set_yscale("log")
    lag_axis.set_title("delivery lag, sender's commit to receiver's (ms, log scale)")
    lag_axis.set_xticks(list(positions), lag_labels, fontsize=7)
    lag_axis.legend(fontsize=8)
    figure.suptitle("Sysops Squad: the quanta split against the bare insert and the monolith")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(outcome: dict, folder: Path) -> None:
    (folder / "result.json").write_text(json.dumps(outcome, indent=2, default=str))
    (folder / "result.md").write_text(markdown(outcome))
    chart(outcome, folder / "chart.png")
