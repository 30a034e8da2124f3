"""The soak's load: customers and experts using the public API at a steady rate, as the portal and
the experts' mobile app would, and a record of every request that was meant to change something.

Each tick (RATE a second, open loop: a slow answer does not slow the ticks) sends one operation.
New work (a ticket, a card, a plan change) alternates with follow-ups: the experts' steps on the
tickets the assignment job gave them (accept, start, complete), then the customer's survey once the
portal shows the ticket completed. Reads that only find the follow-ups (the experts' assignment
lists, a ticket's status) are not operations.
"""

import asyncio
import itertools
import secrets
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from config.correlation import HEADER as CORRELATION_HEADER

DEMO_PASSWORD = "sysops-demo"  # noqa: S105 - `seed_demo`'s published demo password
DEMO_CUSTOMERS = ("alice", "bob", "carol")
# Experts whose skills cover the devices the soak's tickets name between them; `linus` serves
# another region and takes only the tickets of customers registered without one.
DEMO_EXPERTS = ("ada", "grace", "linus")
DEVICES = ("computer", "phone", "tablet", "television", "audio", "camera")
PRIORITIES = ("normal", "high", "low", "urgent")
CONTRACTS = ("basic", "standard", "premium")
TEST_CARD = "4242 4242 4242 4242"  # verified by billing's simulated processor

TICKET, CARD, PLAN, EXPERT_STEP, SURVEY = "ticket", "card", "plan", "expert step", "survey"
KINDS = (TICKET, CARD, PLAN, EXPERT_STEP, SURVEY)
# Of three ticks, two go to a follow-up when one is ready: a ticket brings four follow-ups, and
# new work is a ticket every other time, so the experts keep up with what the customers send.
NEW_WORK = (TICKET, CARD, TICKET, PLAN)
STEPS = ("accept", "start", "complete")

REQUEST_TIMEOUT_SECONDS = 30.0
POLL_INTERVAL_SECONDS = 1.0
MAX_IN_FLIGHT = 64


@dataclass
class Operation:
    """One request meant to change something, and what the receiver's effect is found by."""

    kind: str
    status: int  # the HTTP status; 0 when no answer came (refused, reset, timed out)
    subject: str  # the ticket or card id, or the customer's username for a plan
    detail: dict = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class User:
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


@dataclass
class FollowUp:
    kind: str
    user: User
    ticket_id: str
    step: str = ""
    assignment_id: int = 0


def letters(number: int) -> str:
    """A number spelled in letters: card holder names may hold no digit, and each must be unique."""
    spelled = ""
    while True:
        number, digit = divmod(number, 26)
        spelled = chr(ord("a") + digit) + spelled
        if number == 0:
            return spelled.capitalize()


class Workload:
    def __init__(
        self, client: httpx.AsyncClient, customers: list[User], experts: list[User]
    ) -> None:
        self.client = client
        self.customers = customers
        self.experts = experts
        self.operations: list[Operation] = []
        self.follow_ups: deque[FollowUp] = deque()
        self.surveys_awaited: dict[str, User] = {}
        self.offers_seen: set[int] = set()
        self.customer_of_ticket: dict[str, User] = {}
        self.plan_of: dict[str, str] = {}
        self.plan_locks = {customer.username: asyncio.Lock() for customer in customers}
        self.serial = itertools.count(1)
        self.new_work = itertools.cycle(NEW_WORK)
        self.next_customer = itertools.cycle(customers)

    async def post(self, user: User, path: str, body: dict) -> httpx.Response | None:
        try:
            return await self.client.post(path, headers=user.headers, json=body)
        except httpx.HTTPError:
            return None

    async def current_plan(self, customer: User) -> str | None:
        """The contract code of the plan the customer has (the demo's have one from their
        history), "" without one, None if the portal did not say."""
        try:
            answer = await self.client.get("/api/customer/plan/", headers=customer.headers)
        except httpx.HTTPError:
            return None
        if answer.status_code == 404:
            return ""
        return answer.json()["contract"]["code"] if answer.is_success else None

    def record(self, kind: str, answer: httpx.Response | None, subject: str, **detail) -> None:
        status = 0 if answer is None else answer.status_code
        self.operations.append(Operation(kind, status, subject, detail))

    # New work.

    async def ticket_submit(self, customer: User) -> None:
        serial = next(self.serial)
        title = f"Soak ticket {serial}"
        answer = await self.post(
            customer,
            "/api/customer/tickets/",
            {
                "title": title,
                "description": "Sent by the soak.",
                "device_category": DEVICES[serial % len(DEVICES)],
                "priority": PRIORITIES[serial % len(PRIORITIES)],
            },
        )
        ticket_id = answer.json()["id"] if answer is not None and answer.is_success else ""
        if ticket_id:
            self.customer_of_ticket[ticket_id] = customer
        self.record(TICKET, answer, ticket_id, title=title)

    async def card_register(self, customer: User) -> None:
        holder = f"Soak Holder {letters(next(self.serial))}"
        answer = await self.post(
            customer,
            "/api/customer/cards/",
            {
                "number": TEST_CARD,
                "expiry_month": 12,
                "expiry_year": date.today().year + 2,
                "cvc": "123",
                "holder_name": holder,
            },
        )
        card_id = answer.json()["id"] if answer is not None and answer.is_success else ""
        self.record(CARD, answer, card_id, holder_name=holder)

    async def plan_change(self, customer: User) -> None:
        # One change at a time per customer, each to another contract: choosing the plan one
        # already has changes nothing and sends nothing.
        async with self.plan_locks[customer.username]:
            if customer.username not in self.plan_of:
                known = await self.current_plan(customer)
                if known is None:
                    return  # unknown: a change might be to the same plan, which sends nothing
                self.plan_of[customer.username] = known
            current = self.plan_of[customer.username]
            contract = (
                CONTRACTS[(CONTRACTS.index(current) + 1) % len(CONTRACTS)]
                if current
                else CONTRACTS[0]
            )
            answer = await self.post(customer, "/api/customer/plan/", {"contract_code": contract})
            if answer is not None and answer.is_success:
                self.plan_of[customer.username] = contract
            self.record(
                PLAN,
                answer,
                customer.username,
                contract_code=contract,
                correlation_id=answer.headers.get(CORRELATION_HEADER, "") if answer else "",
            )

    # Follow-ups.

    async def expert_step(self, follow_up: FollowUp) -> None:
        path = f"/api/ticketing/assignments/{follow_up.assignment_id}/{follow_up.step}/"
        body = {"resolution_notes": "Fixed by the soak."} if follow_up.step == "complete" else {}
        answer = await self.post(follow_up.user, path, body)
        self.record(
            EXPERT_STEP,
            answer,
            follow_up.ticket_id,
            step=follow_up.step,
            assignment_id=follow_up.assignment_id,
        )
        if answer is None or not answer.is_success:
            return
        if follow_up.step == "complete":
            customer = self.customer_of_ticket.get(follow_up.ticket_id)
            if customer is not None:
                self.surveys_awaited[follow_up.ticket_id] = customer
        else:
            following = STEPS[STEPS.index(follow_up.step) + 1]
            self.follow_ups.appendleft(
                FollowUp(
                    EXPERT_STEP,
                    follow_up.user,
                    follow_up.ticket_id,
                    following,
                    follow_up.assignment_id,
                )
            )

    async def survey_submit(self, follow_up: FollowUp) -> None:
        answer = await self.post(
            follow_up.user,
            f"/api/customer/tickets/{follow_up.ticket_id}/survey/",
            {"rating": 4, "comment": "Sent by the soak.", "would_recommend": True},
        )
        self.record(SURVEY, answer, follow_up.ticket_id)

    # Finding follow-ups: what the mobile app and the portal would show their users.

    async def offers_find(self) -> None:
        for expert in self.experts:
            try:
                answer = await self.client.get(
                    "/api/ticketing/assignments/", headers=expert.headers
                )
            except httpx.HTTPError:
                continue
            if not answer.is_success:
                continue
            # The first page is the newest assignments: where a new offer is.
            for assignment in answer.json()["results"]:
                if assignment["status"] == "assigned" and assignment["id"] not in self.offers_seen:
                    self.offers_seen.add(assignment["id"])
                    self.follow_ups.append(
                        FollowUp(
                            EXPERT_STEP,
                            expert,
                            assignment["ticket_id"],
                            "accept",
                            assignment["id"],
                        )
                    )

    async def completions_find(self) -> None:
        for ticket_id, customer in list(self.surveys_awaited.items()):
            try:
                answer = await self.client.get(
                    f"/api/customer/tickets/{ticket_id}/", headers=customer.headers
                )
            except httpx.HTTPError:
                continue
            if answer.is_success and answer.json()["status"] == "completed":
                del self.surveys_awaited[ticket_id]
                self.follow_ups.append(FollowUp(SURVEY, customer, ticket_id))

    async def watch(self, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.gather(self.offers_find(), self.completions_find())
            await asyncio.sleep(POLL_INTERVAL_SECONDS)

    # The ticks.

    def operation(self, tick: int) -> Coroutine[Any, Any, None]:
        if tick % 3 and self.follow_ups:
            follow_up = self.follow_ups.popleft()
            if follow_up.kind == SURVEY:
                return self.survey_submit(follow_up)
            return self.expert_step(follow_up)
        kind = next(self.new_work)
        customer = next(self.next_customer)
        if kind == TICKET:
            return self.ticket_submit(customer)
        if kind == CARD:
            return self.card_register(customer)
        return self.plan_change(customer)

    async def run(self, *, rate: float, duration: float) -> list[Operation]:
        started = time.monotonic()
        until = started + duration
        watcher = asyncio.create_task(self.watch(until))
        in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        sent = []

        async def one(operation: Coroutine[Any, Any, None]) -> None:
            async with in_flight:
                await operation

        for tick in itertools.count():
            due = started + tick / rate
            if due >= until:
                break
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            sent.append(asyncio.create_task(one(self.operation(tick))))
        await asyncio.gather(*sent, watcher)
        return self.operations


async def token_for(client: httpx.AsyncClient, username: str, password: str) -> User:
    answer = await client.post(
        "/api/auth/token/", json={"username": username, "password": password}
    )
    answer.raise_for_status()
    return User(username, answer.json()["token"])


async def customer_register(client: httpx.AsyncClient, number: int) -> User:
    """A new customer through the public registration, with no region: any expert may serve it."""
    username = f"soak-customer-{number}"
    password = secrets.token_urlsafe(16)
    answer = await client.post(
        "/api/customer/register/",
        json={
            "username": username,
            "password": password,
            "name": f"Soak Customer {letters(number)}",
            "email": f"{username}@example.com",
        },
    )
    answer.raise_for_status()
    return await token_for(client, username, password)


async def drive(
    *, base_url: str, rate: float, duration: float, new_customers: int
) -> list[Operation]:
    """Signs the demo customers and experts in, registers `new_customers` more, then sends the
    load for `duration` seconds; returns every operation sent, answered or not."""
    async with httpx.AsyncClient(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT_SECONDS,
        limits=httpx.Limits(max_connections=MAX_IN_FLIGHT + len(DEMO_EXPERTS) + 8),
    ) as client:
        # All at once: each sign-in hashes a password, slow on purpose.
        users = await asyncio.gather(
            *(token_for(client, name, DEMO_PASSWORD) for name in DEMO_CUSTOMERS + DEMO_EXPERTS),
            *(customer_register(client, n) for n in range(1, new_customers + 1)),
        )
        experts = users[len(DEMO_CUSTOMERS) : len(DEMO_CUSTOMERS) + len(DEMO_EXPERTS)]
        customers = [user for user in users if user not in experts]
        return await Workload(client, customers, experts).run(rate=rate, duration=duration)
