"""`make bench`: starts the system in its production shape on throwaway databases and a Redis of its
own, drives each workload from a separate load process, and writes result.json, result.md and
chart.png under bench-results/<time>/.

    .venv/bin/python -m bench.portal.harness [--quick] [--duration 6] [--concurrency 16] ...

Measured in the same run, one after the other: the limit (a bare insert), then the product
(messages through the broker) and the monolith it replaces (BENCH_DELIVERY=inline: each
message applied inside the request), normally, with the downstream quanta slowed, with them down,
and (the product only: the monolith has no broker) with the broker stopped.
"""

import argparse
import contextlib
import itertools
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.portal import cpu, report
from bench.portal.load import WITH_OUTBOX_ROW_ONLY, WITHOUT_MESSAGE, in_own_process
from bench.portal.system import (
    DOWNSTREAM,
    QUANTA,
    REPOSITORY,
    BenchSystem,
    Databases,
    base_environment,
    broker_commands,
    private_broker,
)
from billing_quantum.card_keys import BILLING_ENV_FILE, card_keys_embedded
from tests.integration.processes import WaitTimeout, wait_until
from tests.integration.servers import RedisServer

# Which message each workload sends, and which quantum applies it.
MESSAGE_OF = {"ticket": ("TicketCreated", "ticketing"), "card": ("CardRegistered", "billing")}
WORKLOADS = ("ticket", "card", "page")


@dataclass
class Run:
    options: argparse.Namespace
    workdir: Path
    databases: Databases
    system: BenchSystem
    broker: RedisServer
    readers: Path
    writers: Path
    rows: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    # Which repetition of the split's cost the phases belong to (`--runs`).
    round: int = 1
    worker_rates: dict = field(default_factory=dict)


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def as_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


# Population: customers with a token (API) and a session (portal) each, made in the databases
# directly; the readers' ticket lists keep a fixed length so page views cost the same throughout.


def session_of(user) -> str:
    """The key of a new portal session signed in as `user`, as a login would have stored it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def population_create(*, writers: int, readers: int, tickets_per_reader: int) -> tuple[list, list]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from customer_quantum.models import Customer, Ticket
    from identity.services import api_token_issue

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"bench-{n}", password=make_password(None))
        for n in range(writers + readers)
    )
    tokens = [api_token_issue(user=user)[1] for user in users]
    customers = Customer.objects.bulk_create(
        Customer(
            user_id=user.id,
            name=f"Bench Customer {n}",
            email=f"bench-{n}@example.com",
            region="Springfield",
        )
        for n, user in enumerate(users)
    )
    credentials = []
    for user, token, customer in zip(users, tokens, customers, strict=True):
        credentials.append({"id": customer.id, "token": token, "session": session_of(user)})
    Ticket.objects.bulk_create(
        Ticket(customer=customer, title=f"Earlier ticket {n}", device_category="phone")
        for customer in customers[writers:]
        for n in range(tickets_per_reader)
    )
    return credentials[:writers], credentials[writers:]


# Reading the outcome from the quanta's own tables.


def unconfirmed_messages(since: datetime) -> int:
    from messaging.models import OutboxMessage

    return sum(
        OutboxMessage.objects.using(quantum)
        .filter(created_at__gte=since, confirmed_at__isnull=True)
        .count()
        for quantum in QUANTA
    )


def wait_drained(timeout: float, *, since: float) -> float | None:
    """Seconds until every message sent since then, by any quantum, is confirmed: delivered,
    applied and the confirmation back in its sender (what an earlier phase left is not waited for)."""
    started = time.monotonic()
    try:
        wait_until(
            lambda: unconfirmed_messages(as_datetime(since)) == 0,
            timeout=timeout,
            what="every message is confirmed",
            interval=0.5,
        )
    except WaitTimeout:
        return None
    return time.monotonic() - started


def deliveries(workload: str, since: datetime, until: datetime) -> dict:
    """The workload's messages stored in the customer outbox in the window: when each was stored,
    when its receiver applied it, and whether the sender has its confirmation."""
    from messaging.models import InboxMessage, OutboxMessage

    message_type, receiver = MESSAGE_OF[workload]
    sent = dict(
        OutboxMessage.objects.using("customer")
        .filter(type=message_type, created_at__gte=since, created_at__lt=until)
        .values_list("id", "created_at")
    )
    confirmed = (
        OutboxMessage.objects.using("customer")
        .filter(pk__in=list(sent), confirmed_at__isnull=False)
        .count()
    )
    applied = dict(
        InboxMessage.objects.using(receiver)
        .filter(pk__in=list(sent), applied_at__isnull=False)
        .values_list("message_id", "applied_at")
    )
    lags = [
        (applied[key] - created).total_seconds() for key, created in sent.items() if key in applied
    ]
    return {"sent": len(sent), "applied": len(applied), "confirmed": confirmed, "lags": lags}


class BrokerCommands:
    """Commands the broker served for a phase's requests, from the server's own counters: every
    process counted (web, workers, beat), idle polling included, nothing instrumented."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.before = self._served()

    def _served(self) -> dict[str, int] | None:
        try:
            return broker_commands(self.url)
        except Exception:  # the broker is stopped in one scenario
            return None

    def per_request(self, requests: int) -> dict[str, float] | None:
        after = self._served()
        if not requests or after is None or self.before is None:
            return None
        after["info"] = after.get("info", 1) - 1  # the first reading's own
        served = {
            name: round((calls - self.before.get(name, 0)) / requests, 2)
            for name, calls in after.items()
        }
        return {"total": round(sum(served.values()), 1)} | {
            name: share
            for name, share in sorted(served.items(), key=lambda item: -item[1])
            if share >= 0.1
        }


# Phases.


def load(
    run: Run,
    label: str,
    workloads: tuple[str, ...],
    *,
    rate: float = 0.0,
    monolith: bool = False,
    piece_of: int | None = None,
    seconds_each: float | None = None,
) -> dict:
    """The workloads' load against the product's web server, or the monolith's; the CPU read at
    each turn's edges where several take turns, and at the start and end of a piece (one of the
    `piece_of` loads a phase is cut into, each as long as that share of it). Each workload is
    measured `seconds_each`, by default a phase's duration."""
    options = run.options
    # Every round's requests are kept: a goal's median is read against each round's own.
    out = run.workdir / "load" / f"round-{run.round}" / f"{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Each workload is measured as long as it would be alone.
    duration = (seconds_each or options.duration) * len(workloads) / (piece_of or 1)
    return in_own_process(
        base_url=run.system.monolith_url if monolith else run.system.base_url,
        workloads=workloads,
        customers=run.readers if workloads == ("page",) else run.writers,
        out=out,
        duration=duration,
        # A piece finds both servers warm, and counts every request it sends: the messages of
        # requests left out as warm-up would still be applied, and billed, before its end.
        warmup=0.0 if piece_of else options.warmup,
        concurrency=options.concurrency,
        rate=rate,
        # A piece is one turn: its CPU is read as it starts and as it ends, nowhere between.
        turn_seconds=duration if piece_of else options.turn_seconds,
        at_each_turn=(
            (lambda pid: cpu.reading(run.system, run.broker, monolith=monolith, load_generator=pid))
            if len(workloads) > 1 or piece_of
            else None
        ),
    )


def cpu_in_turns(result: dict) -> list[dict | None]:
    """Each workload's CPU per measured request over its own turns (`load` read it at each edge):
    the parts' seconds between a turn's two readings count for the workload whose turn it was."""
    stretches, turns = list(itertools.pairwise(result["at_turns"])), result["workloads"]
    return [
        cpu.spent_over(stretches[number :: len(turns)], requests=len(turn["samples"]))
        for number, turn in enumerate(turns)
    ]


def phase(
    run: Run,
    *,
    scenario: str,
    delivery: str,
    workload: str,
    rate: float = 0.0,
    drain: bool = True,
    in_turns_with: tuple[str, ...] = (),
    seconds_each: float | None = None,
) -> dict:
    """One load against the system; returns the workload's row. `in_turns_with`: references that
    send no message, taking turns with it in the same load (`load.Turns`), each with a row of its
    own (delivery *none*); its ratio to them is then taken over the same stretch of time. Their CPU
    per request is each one's own turns' (`cpu_in_turns`), to the end of the load: a message's
    later work would fall in the turns after its own. Broker commands are counted for a workload
    alone only."""
    label = f"{delivery}-{scenario}-{workload}" + (f"-{rate:.0f}rps" if rate else "")
    print(f"  {label}" + "".join(f" | {other}" for other in in_turns_with) + " ...", flush=True)
    alone, monolith = not in_turns_with, delivery == "inline"
    # What is counted for a workload alone; in turns, the CPU is read at each turn's edge instead.
    broker = BrokerCommands(run.options.broker_url) if alone else None
    cpu_before = cpu.reading(run.system, run.broker, monolith=monolith) if alone else None
    started = time.time()
    result = load(
        run,
        label,
        (workload, *in_turns_with),
        rate=rate,
        monolith=monolith,
        seconds_each=seconds_each,
    )
    ended = time.time()
    row, *references = [
        measured_row(
            run,
            turn,
            mode=result["mode"],
            scenario=scenario,
            delivery=sent,
            window=[started, ended],
            measured=[result["measured_from"], result["measured_from"] + result["duration"]],
        )
        for turn, sent in zip(
            result["workloads"], (delivery, *("none" for _ in in_turns_with)), strict=True
        )
    ]
    if drain:
        row["drain_seconds"] = wait_drained(run.options.drain_timeout, since=started)
    if alone:
        if drain:
            row["broker_commands_per_request"] = broker.per_request(row["accepted_in_window"])
        # Until every message is applied: what a request costs everywhere, not just while served.
        row["cpu_ms_per_request"] = cpu.spent(
            cpu_before,
            cpu.reading(run.system, run.broker, monolith=monolith),
            requests=row["accepted_in_window"],
        )
    else:
        for each, figures in zip([row, *references], cpu_in_turns(result), strict=True):
            each["cpu_ms_per_request"] = figures
    if workload in MESSAGE_OF and drain:
        row.update(lag_figures(row))
    run.rows += [row, *references]
    return row


def side_by_side(run: Run) -> None:
    """The product beside the monolith, each on a web server of its own on the same databases, for
    the whole system's CPU per request: each workload's phase is cut into `--pieces` loads, the
    product's and the monolith's taking turns, the product's drained before the monolith's begins.
    One phase of each, minutes apart, had the card's ratio move from 0.80 to 1.40 within a run."""
    run.system.start_monolith()
    for workload in MESSAGE_OF:
        print(
            f"  {workload}, product and monolith in {run.options.pieces} pieces each ...",
            flush=True,
        )
        pieces = {"broker": [], "inline": []}
        for number in range(1, run.options.pieces + 1):
            for delivery, done in pieces.items():
                done.append(piece(run, workload, delivery=delivery, number=number))
        for delivery, done in pieces.items():
            run.rows.append(pieces_row(run, workload, delivery=delivery, pieces=done))
    run.system.stop_monolith()


def piece(run: Run, workload: str, *, delivery: str, number: int) -> dict:
    """One of a phase's pieces, with the CPU read from its first request until its messages are
    applied (the load generator's until it ends)."""
    monolith = delivery == "inline"
    started = time.time()
    result = load(
        run,
        f"{delivery}-{report.SIDE_BY_SIDE}-{workload}-{number}",
        (workload,),
        monolith=monolith,
        piece_of=run.options.pieces,
    )
    ended = time.time()
    drained = None if monolith else wait_drained(run.options.drain_timeout, since=started)
    first, last = result["at_turns"]
    # Once exited, the load generator is read another way (this process's children).
    applied = {
        part: seconds
        for part, seconds in cpu.reading(run.system, run.broker, monolith=monolith).items()
        if part != "load generator"
    }
    return {
        "load": result,
        "window": [started, ended],
        "drain_seconds": drained,
        "cpu": [(first, last), (last, applied)],
    }


def pieces_row(run: Run, workload: str, *, delivery: str, pieces: list[dict]) -> dict:
    """A phase's figures from its pieces: their requests together, and the CPU of their stretches."""
    turns = [each["load"]["workloads"][0] for each in pieces]
    together = {
        "workload": workload,
        "expected_status": turns[0]["expected_status"],
        "measured_seconds": sum(turn["measured_seconds"] for turn in turns),
        "accepted": sum(turn["accepted"] for turn in turns),
        "samples": [sample for turn in turns for sample in turn["samples"]],
    }
    row = measured_row(
        run,
        together,
        mode=f"{pieces[0]['load']['mode']}, {len(pieces)} pieces",
        scenario=report.SIDE_BY_SIDE,
        delivery=delivery,
        window=[pieces[0]["window"][0], pieces[-1]["window"][1]],
        measured=None,
    )
    if delivery == "broker":
        row["drain_seconds"] = [each["drain_seconds"] for each in pieces]
    row["cpu_ms_per_request"] = cpu.spent_over(
        [stretch for each in pieces for stretch in each["cpu"]], requests=row["requests"]
    )
    return row


def measured_row(
    run: Run,
    turn: dict,
    *,
    mode: str,
    scenario: str,
    delivery: str,
    window: list[float],
    measured: list[float] | None,
) -> dict:
    """One workload's figures in a load: its own requests over its own turns. `window`: from the
    start of its load to the end; `measured`: the time its requests are measured in, if one
    stretch (the lag's messages are those sent in it)."""
    samples = turn["samples"]
    ok = [latency for _, latency, status in samples if status == turn["expected_status"]]
    return {
        "round": run.round,
        "scenario": scenario,
        "delivery": delivery,
        "workload": turn["workload"],
        "load": mode,
        "requests": len(samples),
        "requests_per_second": round(len(ok) / turn["measured_seconds"], 1),
        "p50_ms": milliseconds(percentile(ok, 0.50)),
        "p95_ms": milliseconds(percentile(ok, 0.95)),
        "p99_ms": milliseconds(percentile(ok, 0.99)),
        "error_rate": round(1 - len(ok) / len(samples), 4) if samples else None,
        "statuses": count_statuses(samples),
        "window": window,
        "measured": measured,
        "accepted_in_window": turn["accepted"],
    }


def count_statuses(samples: list) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, status in samples:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def lag_figures(row: dict) -> dict:
    measured = deliveries(row["workload"], *map(as_datetime, row["measured"]))
    return {
        "lag_p50_ms": milliseconds(percentile(measured["lags"], 0.50)),
        "lag_p99_ms": milliseconds(percentile(measured["lags"], 0.99)),
    }


def delivery_check(run: Run, rows: list[dict], *, recovered_in: float | None) -> None:
    """After recovery: every request answered 2xx has its message, each applied by its receiver
    exactly once (the inbox's key is the message id) and confirmed to the sender."""
    for row in rows:
        if row["workload"] not in MESSAGE_OF:
            continue
        found = deliveries(row["workload"], *map(as_datetime, row["window"]))
        check = {
            "scenario": row["scenario"],
            "workload": row["workload"],
            "accepted": row["accepted_in_window"],
            "stored": found["sent"],
            "applied": found["applied"],
            "confirmed": found["confirmed"],
            "recovered_in_seconds": None if recovered_in is None else round(recovered_in, 1),
        }
        check["every_message_delivered"] = (
            check["accepted"] == check["stored"] == check["applied"] == check["confirmed"]
        )
        run.checks.append(check)
        print(f"    delivered after recovery: {check}", flush=True)


# Scenarios.


def broker_scenarios(run: Run) -> None:
    system, options, broker = run.system, run.options, run.broker
    print("the product: messages through the broker", flush=True)
    system.start_workers()
    system.start_scheduler()

    references(run)
    maxima = {
        workload: phase(run, scenario="normal", delivery="broker", workload=workload)
        for workload in WORKLOADS
    }
    for workload in MESSAGE_OF:
        rate = max(1.0, maxima[workload]["requests_per_second"] / 2)
        phase(run, scenario="half load", delivery="broker", workload=workload, rate=rate)
    side_by_side(run)

    system.stop_workers(DOWNSTREAM)
    rows = customer_side_alone(run, WORKLOADS)
    system.start_workers(DOWNSTREAM)
    recovered_in = wait_drained(options.recovery_timeout, since=rows[0]["window"][0])
    delivery_check(run, rows, recovered_in=recovered_in)

    broker.stop()
    rows = [
        phase(run, scenario="broker down", delivery="broker", workload=workload, drain=False)
        for workload in WORKLOADS
    ]
    broker.start()
    recovered_in = wait_drained(options.recovery_timeout, since=rows[0]["window"][0])
    delivery_check(run, rows, recovered_in=recovered_in)

    # Last: the slowed workers' backlog outlives the phases, and is thrown away with the system.
    system.stop_workers(DOWNSTREAM)
    system.start_workers(DOWNSTREAM, BENCH_HANDLER_DELAY_SECONDS=str(options.handler_delay))
    for workload in WORKLOADS:
        phase(run, scenario="downstream slowed", delivery="broker", workload=workload, drain=False)
    system.stop()


def references(run: Run) -> None:
    """The bare insert, and the ticket and card requests without their message, taking turns."""
    phase(
        run,
        scenario="limit",
        delivery="none",
        workload="insert",
        in_turns_with=tuple(WITHOUT_MESSAGE[workload] for workload in MESSAGE_OF),
    )


def customer_side_alone(run: Run, workloads: tuple[str, ...]) -> list[dict]:
    """With the downstream workers stopped (as if on hosts of their own): each workload, taking
    turns with the same request without its message and with its outbox row only, each measured
    `--alone-duration`; returns the product's phases."""
    return [
        phase(
            run,
            scenario="downstream down",
            delivery="broker",
            workload=workload,
            drain=False,
            in_turns_with=(
                (WITHOUT_MESSAGE[workload], WITH_OUTBOX_ROW_ONLY[workload])
                if workload in WITHOUT_MESSAGE
                else ()
            ),
            seconds_each=run.options.alone_duration if workload in WITHOUT_MESSAGE else None,
        )
        for workload in workloads
    ]


def split_cost_round(run: Run, number: int) -> None:
    """The phases the split's cost is taken from, again: the references, the product beside the
    monolith, and the product on the customer side alone. One run's ratio has moved by a third on
    this machine, so the goals take the median of the rounds."""
    system, options = run.system, run.options
    run.round = number
    print(f"round {number} of {options.runs}: the split's cost", flush=True)
    system.start_web()
    system.start_workers()
    system.start_scheduler()
    # What the slowed workers of the round before left queued is applied first: its CPU would be
    # billed to this round's phases.
    wait_drained(options.recovery_timeout, since=0.0)
    references(run)
    side_by_side(run)
    system.stop_workers(DOWNSTREAM)
    rows = customer_side_alone(run, tuple(MESSAGE_OF))
    system.start_workers(DOWNSTREAM)
    # The next round's references would otherwise share the machine with this backlog.
    wait_drained(options.recovery_timeout, since=rows[0]["window"][0])
    system.stop()


NOOP_QUEUE = "bench-noop"
# Issue 18's lever of "the worker's pool": measured beside the product's (CELERY_WORKER_POOL).
WORKER_POOLS = ("threads", "prefork", "solo")


def one_worker_rates(run: Run) -> None:
    """Issue 18's third reference: Celery's raw rate for a task that does nothing, on the same
    broker and with the quanta workers' command and pool, against the rate at which one such
    worker process applies a burst of messages queued for its quantum (TicketCreated, stored and
    handed over by the customer quantum's ticket service while ticketing's worker is stopped).
    The product's pool `--runs` times, as the split's cost (one round's ratio has moved by a
    fifth from run to run on this machine); each other pool once, with the worker's own CPU per
    task."""
    from django.conf import settings

    burst, runs = run.options.burst, run.options.runs
    product = settings.CELERY_WORKER_POOL
    rounds = []
    for number in range(1, runs + 1):
        print(f"one worker's rates, {product}, round {number} of {runs}", flush=True)
        rounds.append(bursts(run, product))
    by_pool = {product: report.median_round(rounds)}
    for pool in WORKER_POOLS:
        if pool != product:
            print(f"one worker's rates, {pool}", flush=True)
            by_pool[pool] = bursts(run, pool)
    run.worker_rates = {
        "burst": burst,
        "pool": product,
        **by_pool[product],
        "rounds": rounds,
        "pools": by_pool,
    }


def bursts(run: Run, pool: str) -> dict[str, float]:
    """A burst of no-op tasks, then one of messages, each to one worker of `pool`."""
    figures = {**noop_burst(run, pool), **message_burst(run, pool)}
    print(f"    {figures}", flush=True)
    return figures


def noop_burst(run: Run, pool: str) -> dict[str, float]:
    from celery import current_app

    from bench.portal.tasks import NOOP

    for _ in range(run.options.burst):
        current_app.send_task(NOOP, queue=NOOP_QUEUE)
    seconds, cpu_seconds = one_worker_through(
        run, NOOP_QUEUE, pool, lambda: queue_length(NOOP_QUEUE) == 0
    )
    return rates("noop", run.options.burst, seconds, cpu_seconds)


def message_burst(run: Run, pool: str) -> dict[str, float]:
    from customer_quantum.models import Customer
    from customer_quantum.services.tickets import ticket_submit
    from messaging.models import InboxMessage

    system, options = run.system, run.options
    customer = Customer.objects.first()
    since = datetime.now(UTC)
    for number in range(options.burst):
        ticket_submit(customer=customer, title=f"Burst ticket {number}", device_category="phone")
    applied = InboxMessage.objects.using("ticketing").filter(
        type="TicketCreated", first_received_at__gte=since, applied_at__isnull=False
    )
    seconds, cpu_seconds = one_worker_through(
        run, "ticketing", pool, lambda: applied.count() >= options.burst
    )
    # Its handler's own messages to analytics, and the confirmations (the scheduler's sweeps).
    system.start_workers(("customer", "ticketing", "analytics"))
    system.start_scheduler()
    wait_drained(options.recovery_timeout, since=since.timestamp())
    system.stop()
    return rates("messages", options.burst, seconds, cpu_seconds)


def rates(what: str, tasks: int, seconds: float, cpu_seconds: float) -> dict[str, float]:
    return {
        f"{what}_per_second": round(tasks / seconds, 1),
        f"{what}_worker_cpu_ms": round(cpu_seconds * 1000 / tasks, 2),
    }


def one_worker_through(run: Run, queue: str, pool: str, done) -> tuple[float, float]:
    """Seconds, and the worker's own CPU seconds (its process and its pool's), that one worker of
    `queue`, started once the queue is filled, takes until `done`."""
    run.system.start_workers((queue,), CELERY_WORKER_POOL=pool)
    worker = run.system.workers[queue]
    started, cpu_started = time.monotonic(), cpu.process_tree_seconds(worker.pid)
    wait_until(done, timeout=run.options.drain_timeout, what=f"{queue} is worked through")
    seconds = time.monotonic() - started
    cpu_seconds = cpu.process_tree_seconds(worker.pid) - cpu_started
    run.system.stop_workers((queue,))
    return seconds, cpu_seconds


def queue_length(queue: str) -> int:
    from celery import current_app

    with current_app.connection_for_read() as connection:
        return connection.default_channel.client.llen(queue)


def inline_scenarios(run: Run) -> None:
    system, options = run.system, run.options
    print("the monolith: each message applied inside the request", flush=True)
    system.start_monolith()
    for workload in WORKLOADS:
        phase(run, scenario="normal", delivery="inline", workload=workload)

    run.databases.allow_connections(DOWNSTREAM, False)
    try:
        for workload in WORKLOADS:
            phase(
                run, scenario="downstream down", delivery="inline", workload=workload, drain=False
            )
    finally:
        run.databases.allow_connections(DOWNSTREAM, True)
        close_connections()
    system.stop()

    system.start_monolith(BENCH_HANDLER_DELAY_SECONDS=str(options.handler_delay))
    for workload in WORKLOADS:
        phase(run, scenario="downstream slowed", delivery="inline", workload=workload, drain=False)
    system.stop()


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short phases: proves the harness")
    parser.add_argument("--duration", type=float, help="seconds measured per phase (6; quick 3)")
    parser.add_argument(
        "--alone-duration",
        type=float,
        help="seconds each request compared on the customer side alone is measured (3 times --duration)",
    )
    parser.add_argument("--warmup", type=float, help="seconds sent before measuring (2; quick 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients")
    parser.add_argument(
        "--pieces",
        type=int,
        default=3,
        help="loads the product's and the monolith's phases are cut into to take turns",
    )
    parser.add_argument(
        "--turn-seconds",
        type=float,
        default=1.0,
        help="how long each turn lasts where requests compared take turns in one load",
    )
    parser.add_argument("--customers", type=int, default=64, help="customers sending writes")
    parser.add_argument("--readers", type=int, default=16, help="customers viewing pages")
    parser.add_argument("--tickets-per-reader", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=1, help="per quantum worker")
    parser.add_argument("--handler-delay", type=float, default=0.2, help="seconds, when slowed")
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument("--recovery-timeout", type=float, default=180.0)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "bench-results")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--burst",
        type=int,
        help="tasks and messages one worker works through (10,000; quick 1,000)",
    )
    parser.add_argument(
        "--runs", type=int, help="rounds of the split's cost, goals on their median (3; quick 1)"
    )
    options = parser.parse_args()
    # With their warm-ups, drains and the recoveries, three rounds and bursts of 10,000: 19 to 26
    # minutes on the 2-core machines so far, a third of them one worker's rates.
    options.duration = options.duration or (3.0 if options.quick else 6.0)
    # On the customer side alone each p99 compared is set by a few slowdowns, one every sweep
    # interval, when the periodic round (beat's sends, the customer's sweep) takes a core for tens
    # of milliseconds: over one phase's 6 s a request met three, and a round's ratio moved from
    # 0.93 to 1.37.
    options.alone_duration = options.alone_duration or 3 * options.duration
    options.warmup = (
        options.warmup if options.warmup is not None else (1.0 if options.quick else 2.0)
    )
    options.runs = options.runs or (1 if options.quick else 3)
    options.burst = options.burst or (1_000 if options.quick else 10_000)
    options.concurrency = max(1, min(options.concurrency, options.customers, options.readers))
    return options


@dataclass
class Environment:
    databases: Databases
    broker: RedisServer
    writers: list[dict]
    readers: list[dict]


@contextlib.contextmanager
def bench_environment(
    *,
    workdir: Path,
    postgres: str = "postgres://postgres@127.0.0.1:5432",
    customers: int = 1,
    readers: int = 1,
    tickets_per_reader: int = 20,
    keep: bool = False,
    database_prefix: str = "bench",
) -> Iterator[Environment]:
    """This process set up like the system's (Django on the run's databases and broker), the
    databases migrated and populated; the databases and the broker removed afterwards.
    `database_prefix` names the databases, so a tool that runs beside `make bench` keeps off its."""
    databases = Databases(postgres, prefix=database_prefix)
    broker = private_broker(workdir)
    try:
        broker.start()
        os.environ.update(
            base_environment(
                databases=databases,
                broker_url=broker.url,
                var_dir=workdir / "var",
                log_level="INFO",
            )
        )
        # This process plays every quantum (the hot path applies billing's messages here), so it
        # reads billing's card keys; the processes it starts are not given them from here.
        keys = workdir / "var" / "keys"
        card_keys_embedded(keys)
        os.environ["BILLING_CARD_KEYS_FILE"] = str(keys / BILLING_ENV_FILE)
        import django

        django.setup()
        del os.environ["BILLING_CARD_KEYS_FILE"]
        from django.core.management import call_command

        print(f"databases bench_* on {postgres}, broker {broker.url}", flush=True)
        databases.create()
        call_command("migrate_all_databases", verbosity=0)
        writers, readers_ = population_create(
            writers=customers, readers=readers, tickets_per_reader=tickets_per_reader
        )
        yield Environment(databases=databases, broker=broker, writers=writers, readers=readers_)
    finally:
        broker.terminate()
        close_connections()
        if not keep:
            databases.drop()
        # The run's card keys and broker data are of no use once its databases are gone.
        for folder in (workdir / "var", workdir / "redis-data"):
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    options = arguments()
    workdir = options.output / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir.mkdir(parents=True)
    started = time.monotonic()
    with bench_environment(
        workdir=workdir,
        postgres=options.postgres,
        customers=options.customers,
        readers=options.readers,
        tickets_per_reader=options.tickets_per_reader,
        keep=options.keep,
    ) as environment:
        from bench.portal import hot_path

        options.broker_url = environment.broker.url
        (workdir / "writers.json").write_text(json.dumps(environment.writers))
        (workdir / "readers.json").write_text(json.dumps(environment.readers))
        profile = hot_path.profile(
            token=environment.writers[0]["token"], session=environment.readers[0]["session"]
        )
        print(f"hot path: {json.dumps(profile)}", flush=True)

        system = BenchSystem(
            env=dict(os.environ),
            workdir=workdir,
            web_workers=options.web_workers,
            worker_concurrency=options.worker_concurrency,
        )
        run = Run(
            options=options,
            workdir=workdir,
            databases=environment.databases,
            system=system,
            broker=environment.broker,
            readers=workdir / "readers.json",
            writers=workdir / "writers.json",
        )
        try:
            system.start_web()
            broker_scenarios(run)
            inline_scenarios(run)
            for number in range(2, options.runs + 1):
                split_cost_round(run, number)
            one_worker_rates(run)
        finally:
            system.stop()

    outcome = {
        "finished_at": datetime.now(UTC).isoformat(),
        "seconds": round(time.monotonic() - started, 1),
        "machine": {"cores": os.cpu_count()},
        "parameters": {
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(options).items()
            if key != "broker_url"
        },
        "hot_path": profile,
        "phases": run.rows,
        "recovery": run.checks,
        "worker_rates": run.worker_rates,
    }
    outcome["goals"] = report.goals(outcome)
    report.write(outcome, workdir)
    print((workdir / "result.md").read_text())
    print(f"written to {workdir} in {outcome['seconds']:.0f}s")


if __name__ == "__main__":
    main()
