"""The load generator: a process of its own that drives a workload against the web server, or
several taking turns, and writes every measured request (when it started, how long it took, its
status) to a JSON file.

Closed loop (`--concurrency` clients, each sending its next request when the last one answered)
finds the maximum throughput; open loop (`--rate` requests a second, whatever the answers) holds a
steady load, and times each request from when it was due, so a stalled server is not hidden.
"""

import argparse
import asyncio
import itertools
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx

REQUEST_TIMEOUT_SECONDS = 10.0
OPEN_LOOP_MAX_IN_FLIGHT = 256

Send = Callable[[httpx.AsyncClient, dict], Awaitable[httpx.Response]]
# The ticket and card requests doing everything but publishing their message: beside the bare
# insert, they tell what the message costs the request apart from what the API costs.
TICKET_WITHOUT_MESSAGE = "ticket without message"
CARD_WITHOUT_MESSAGE = "card without message"
WITHOUT_MESSAGE = {"ticket": TICKET_WITHOUT_MESSAGE, "card": CARD_WITHOUT_MESSAGE}
# The same requests storing their message's outbox row and never handing it over: the least a
# message kept until its receiver confirms it costs the request, however it is handed over.
TICKET_WITH_OUTBOX_ROW_ONLY = "ticket with its outbox row only"
CARD_WITH_OUTBOX_ROW_ONLY = "card with its outbox row only"
WITH_OUTBOX_ROW_ONLY = {"ticket": TICKET_WITH_OUTBOX_ROW_ONLY, "card": CARD_WITH_OUTBOX_ROW_ONLY}
EXPECTED = {
    "insert": 201,
    TICKET_WITHOUT_MESSAGE: 201,
    CARD_WITHOUT_MESSAGE: 202,
    TICKET_WITH_OUTBOX_ROW_ONLY: 201,
    CARD_WITH_OUTBOX_ROW_ONLY: 202,
    "ticket": 201,
    "card": 202,
    "page": 200,
    "log in": 302,
    "ticket detail": 200,
    "invoice list": 200,
    "assignment list": 200,
}
# The portal's login form is checked against the CSRF cookie: the same 32-character secret in the
# cookie and in the form passes Django's check, with no page fetched first.
CSRF_SECRET = "bench0csrf0secret0for0logins0000"  # noqa: S105 - no secret: the benchmark's


async def bare_insert(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await client.post("/bench/insert/", json={"customer_id": customer["id"]})


TICKET = {
    "title": "The laptop does not start",
    "description": "Submitted by the benchmark.",
    "device_category": "computer",
    "priority": "normal",
}
CARD = {
    "number": "4242 4242 4242 4242",
    "expiry_month": 12,
    "expiry_year": date.today().year + 2,
    "cvc": "123",
    "holder_name": "Bench Customer",
}


async def as_customer(
    client: httpx.AsyncClient, customer: dict, path: str, body: dict
) -> httpx.Response:
    return await client.post(
        path, headers={"Authorization": f"Token {customer['token']}"}, json=body
    )


async def ticket_submit(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await as_customer(client, customer, "/api/customer/tickets/", TICKET)


async def ticket_without_message(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await as_customer(client, customer, "/bench/ticket-without-message/", TICKET)


async def ticket_with_outbox_row_only(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await as_customer(client, customer, "/bench/ticket-with-outbox-row-only/", TICKET)


async def card_register(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await as_customer(client, customer, "/api/customer/cards/", CARD)


async def card_without_message(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await as_customer(client, customer, "/bench/card-without-message/", CARD)


async def card_with_outbox_row_only(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await as_customer(client, customer, "/bench/card-with-outbox-row-only/", CARD)


async def page_view(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await client.get("/", cookies={"sessionid": customer["session"]})


async def log_in(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await client.post(
        "/accounts/login/",
        data={
            "username": customer["username"],
            "password": customer["password"],
            "csrfmiddlewaretoken": CSRF_SECRET,
        },
        cookies={"csrftoken": CSRF_SECRET},
    )


async def ticket_detail(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await client.get(
        f"/tickets/{customer['ticket_id']}/", cookies={"sessionid": customer["session"]}
    )


async def invoice_list(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await client.get("/invoices/", cookies={"sessionid": customer["session"]})


async def assignment_list(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
    return await client.get(
        "/api/ticketing/assignments/",
        headers={"Authorization": f"Token {customer['expert_token']}"},
    )


# What the helpdesk types, one of each for every user (bench/scale/prepare.py).
SEARCH_KINDS = (
    "a customer's name",
    "a customer id",
    "a ticket id",
    "a serial number",
    "a ticket's title",
)
HELPDESK_URL = "/admin/ticketing/ticket/"
# Each helpdesk page the benchmarks time, with the kind of term it searches for (None: no search).
HELPDESK_PAGES = {
    "helpdesk list": None,
    **{f"helpdesk search: {kind}": kind for kind in SEARCH_KINDS},
}


def helpdesk_query(customer: dict, kind: str | None) -> dict[str, str]:
    """Ticketing's admin list searched for the user's term of that kind; unsearched for None."""
    return {"q": customer["searches"][kind]} if kind else {}


def helpdesk_page(kind: str | None) -> Send:
    async def send(client: httpx.AsyncClient, customer: dict) -> httpx.Response:
        return await client.get(
            HELPDESK_URL,
            params=helpdesk_query(customer, kind),
            cookies={"sessionid": customer["staff_session"]},
        )

    return send


WORKLOADS: dict[str, Send] = {
    "insert": bare_insert,
    TICKET_WITHOUT_MESSAGE: ticket_without_message,
    CARD_WITHOUT_MESSAGE: card_without_message,
    TICKET_WITH_OUTBOX_ROW_ONLY: ticket_with_outbox_row_only,
    CARD_WITH_OUTBOX_ROW_ONLY: card_with_outbox_row_only,
    "ticket": ticket_submit,
    "card": card_register,
    "page": page_view,
    "log in": log_in,
    "ticket detail": ticket_detail,
    "invoice list": invoice_list,
    "assignment list": assignment_list,
    **{page: helpdesk_page(kind) for page, kind in HELPDESK_PAGES.items()},
}
EXPECTED |= dict.fromkeys(HELPDESK_PAGES, 200)


class KeepNone(DefaultCookiePolicy):
    """Each request carries the cookies of the user it plays, never those another request was
    given (a login's new session, a rotated CSRF token)."""

    def set_ok(self, cookie, request) -> bool:
        return False


class Recorder:
    def __init__(self, workload: str, measure_from: float, measure_until: float) -> None:
        self.workload = workload
        self.send = WORKLOADS[workload]
        self.expected = EXPECTED[workload]
        self.measure_from = measure_from
        self.measure_until = measure_until
        self.samples: list[tuple[float, float, int]] = []
        self.accepted = 0  # every expected answer, warm-up included: each stored a message

    async def request(self, client: httpx.AsyncClient, customer: dict, due: float) -> None:
        try:
            status = (await self.send(client, customer)).status_code
        except httpx.HTTPError:
            status = 0  # no answer: refused, reset or timed out
        self.accepted += status == self.expected
        if self.measure_from <= due < self.measure_until:
            self.samples.append((due - self.measure_from, time.monotonic() - due, status))


class Turns:
    """The workloads of one load taking turns, `turn_seconds` each, every client sending the same
    workload at the same moment. Two workloads measured one after the other compare two stretches
    of time, and on a shared machine a stretch of a few seconds moves by a third; taking turns
    within one load spreads whatever the machine does over all of them alike."""

    def __init__(self, recorders: list[Recorder], turn_seconds: float) -> None:
        self.recorders = recorders
        self.turn_seconds = turn_seconds
        self.measure_from = recorders[0].measure_from
        self.measure_until = recorders[0].measure_until

    def whose(self, due: float) -> Recorder:
        turn = math.floor((due - self.measure_from) / self.turn_seconds)
        return self.recorders[turn % len(self.recorders)]

    async def request(self, client: httpx.AsyncClient, customer: dict, due: float) -> None:
        await self.whose(due).request(client, customer, due)

    def measured_seconds(self) -> list[float]:
        """Of the measured time, how much was each recorder's turn."""
        seconds = [0.0] * len(self.recorders)
        start, turn = self.measure_from, 0
        while start < self.measure_until:
            seconds[turn % len(self.recorders)] += min(
                self.turn_seconds, self.measure_until - start
            )
            start += self.turn_seconds
            turn += 1
        return seconds


async def closed_loop(turns: Turns, customers: list[dict], client, concurrency: int) -> None:
    async def client_loop(customer_cycle) -> None:
        while (due := time.monotonic()) < turns.measure_until:
            await turns.request(client, next(customer_cycle), due)

    await asyncio.gather(
        *(client_loop(itertools.cycle(customers[n::concurrency])) for n in range(concurrency))
    )


async def open_loop(turns: Turns, customers: list[dict], client, rate: float) -> None:
    in_flight = asyncio.Semaphore(OPEN_LOOP_MAX_IN_FLIGHT)
    start, tasks = time.monotonic(), []

    async def one(customer: dict, due: float) -> None:
        async with in_flight:
            await turns.request(client, customer, due)

    for n, customer in enumerate(itertools.cycle(customers)):
        due = start + n / rate
        if due >= turns.measure_until:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(one(customer, due)))
    await asyncio.gather(*tasks)


async def run(options: argparse.Namespace) -> dict:
    customers = json.loads(Path(options.customers).read_text())
    started = time.monotonic()
    measure_from = started + options.warmup
    turns = Turns(
        [
            Recorder(workload, measure_from, measure_from + options.duration)
            for workload in options.workload
        ],
        options.turn_seconds,
    )
    wall_clock_start = time.time() + options.warmup
    print(wall_clock_start, flush=True)  # what `in_own_process` times the turns from
    limits = httpx.Limits(
        max_connections=OPEN_LOOP_MAX_IN_FLIGHT if options.rate else options.concurrency
    )
    async with httpx.AsyncClient(
        base_url=options.base_url,
        timeout=REQUEST_TIMEOUT_SECONDS,
        limits=limits,
        cookies=CookieJar(policy=KeepNone()),
    ) as client:
        if options.rate:
            await open_loop(turns, customers, client, options.rate)
        else:
            await closed_loop(turns, customers, client, options.concurrency)
    mode = f"{options.rate:g}/s" if options.rate else f"{options.concurrency} clients"
    if len(turns.recorders) > 1:
        mode += f", in turns of {options.turn_seconds:g} s"
    return {
        "mode": mode,
        "measured_from": wall_clock_start,
        "duration": options.duration,
        "workloads": [
            {
                "workload": recorder.workload,
                "expected_status": recorder.expected,
                "measured_seconds": seconds,
                "accepted": recorder.accepted,
                "samples": sorted(recorder.samples),
            }
            for recorder, seconds in zip(turns.recorders, turns.measured_seconds(), strict=True)
        ],
    }


def in_own_process(
    *,
    base_url: str,
    workloads: Sequence[str],
    customers: Path,
    out: Path,
    duration: float,
    warmup: float,
    concurrency: int,
    rate: float = 0.0,
    turn_seconds: float = 1.0,
    at_each_turn: Callable[[int], object] | None = None,
) -> dict:
    """Runs the load generator in a process of its own (so its CPU is not the caller's) and returns
    what it wrote: several workloads take turns (`Turns`). `at_each_turn`, if given, is called
    with the load process's id as each measured turn begins and as the last one ends; what it
    returns is in the result's `at_turns`, one more than the turns."""
    repository = Path(__file__).resolve().parents[2]
    command = [
        sys.executable,
        *("-m", "bench.portal.load"),
        *("--base-url", base_url),
        *(argument for workload in workloads for argument in ("--workload", workload)),
        *("--turn-seconds", str(turn_seconds)),
        *("--customers", str(customers), "--out", str(out)),
        *("--duration", str(duration), "--warmup", str(warmup)),
        *("--concurrency", str(concurrency), "--rate", str(rate)),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, arguments built here
        command,
        cwd=repository,
        env={**os.environ, "PYTHONPATH": str(repository)},
        stdout=subprocess.PIPE,
        text=True,
    )
    at_turns = []
    try:
        if at_each_turn and (first_line := process.stdout.readline()):
            measured_from = float(first_line)
            for turn in range(math.ceil(duration / turn_seconds) + 1):
                boundary = measured_from + min(turn * turn_seconds, duration)
                time.sleep(max(0.0, boundary - time.time()))
                at_turns.append(at_each_turn(process.pid))
        process.communicate(timeout=duration + warmup + 120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return json.loads(out.read_text()) | {"at_turns": at_turns}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument(
        "--workload",
        choices=WORKLOADS,
        action="append",
        required=True,
        help="given more than once, the workloads take turns",
    )
    parser.add_argument(
        "--customers",
        required=True,
        help="JSON list of {id, token, session, …}: what the workload's requests need",
    )
    parser.add_argument("--duration", type=float, required=True, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds sent, not measured")
    parser.add_argument("--concurrency", type=int, default=16, help="closed loop: clients")
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: requests a second")
    parser.add_argument(
        "--turn-seconds", type=float, default=1.0, help="how long each workload's turn lasts"
    )
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    Path(options.out).write_text(json.dumps(asyncio.run(run(options))))


if __name__ == "__main__":
    main()
