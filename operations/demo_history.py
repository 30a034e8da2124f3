"""A year of history for the demo customers, so the managers' reports have something to show: each
customer chooses a plan and adds a card thirteen months back, submits tickets every month since,
which the assignment job gives to the experts, who accept, start and complete them, and most
completed tickets get their survey answered; the Payment job bills each month once it is over.

Everything goes through the quanta's own services, jobs and messages, in this one process: the
clock is moved to each moment in turn (time-machine), and every message is applied by its receiver
as it is published (messaging/inline.py), through the receiver's inbox and handler. Handing
each message to the broker and waiting for the workers would be the same code with a broker hop
per message, and the next step cannot happen before the last one's messages are applied.
"""

import contextlib
import heapq
import io
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from django.test.utils import override_settings
from django.utils import timezone

from billing_quantum.jobs import payment_alerts_retry, payment_chunk_bill, payment_run_plan
from billing_quantum.models import PaymentStatus
from billing_quantum.payment_provider import payment_provider
from billing_quantum.selectors import payment_run_progress
from customer_quantum.models import Customer, SurveyInvitation
from customer_quantum.services.cards import card_register
from customer_quantum.services.customers import support_plan_choose
from customer_quantum.services.surveys import survey_submit
from customer_quantum.services.tickets import ticket_submit
from message_contracts.tickets import DeviceCategory, Priority
from messaging.inline import inline_delivery
from notifications.services import notifications_send_due
from ticketing.jobs import tickets_assign, tickets_queued_count
from ticketing.models import Assignment
from ticketing.services import assignment_accept, assignment_complete, assignment_start

BILLED_MONTHS = 12
# Fixed, so that every fresh `make run` shows the same history.
RANDOM_SEED = 17
CARD_EXPIRY_YEARS = 3
# Each demo customer's plan and cards, in the order they join. The first card of the last one is
# declined when charged (the test card for insufficient funds): the financial report then shows
# declined payments, until she adds another card and billing retries them.
PLANS = {
    "alice": ("premium", ["4242 4242 4242 4242"]),
    "bob": ("standard", ["5555 5555 5555 4444"]),
    "carol": ("basic", ["4000 0000 0000 9995", "4242 4242 4242 4242"]),
}
MONTHS_BEFORE_NEW_CARD = 3
# The devices the demo's experts in the customers' region repair between them.
TROUBLES = {
    DeviceCategory.COMPUTER: ["Laptop does not boot", "Wi-Fi drops every few minutes"],
    DeviceCategory.PHONE: ["Phone screen cracked", "Battery drains by noon"],
    DeviceCategory.TABLET: ["Tablet will not charge", "Touch screen unresponsive"],
    DeviceCategory.TELEVISION: ["No picture, sound only", "Television keeps restarting"],
    DeviceCategory.AUDIO: ["Speaker crackles", "Soundbar loses its pairing"],
    DeviceCategory.CAMERA: ["Lens stuck half out", "Camera shows a memory card error"],
}
# Between the three customers: enough for every month's figures, few enough to seed in seconds
# (each ticket is about fifteen messages).
TICKETS_A_MONTH = (2, 3)
PRIORITY_WEIGHTS = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.NORMAL: 5, Priority.LOW: 2}
# How long an expert takes to come, against the expected arrival of each priority: now and then
# they come late, which the reports count as overdue.
ARRIVAL_HOURS = {Priority.URGENT: 4, Priority.HIGH: 8, Priority.NORMAL: 24, Priority.LOW: 72}
SURVEY_ANSWERED_SHARE = 0.75
# The assignment job runs every minute.
ASSIGNMENT_DELAY = timedelta(minutes=1)


@dataclass
class HistorySummary:
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def __str__(self) -> str:
        counts = self.counts
        return (
            f"{counts['tickets']} tickets ({counts['completed']} completed), "
            f"{counts['surveys']} surveys answered, {counts['charged']} payments charged, "
            f"{counts['declined']} declined, over {BILLED_MONTHS} billed months, "
            f"in {self.seconds:.1f}s ({self.cpu_seconds:.1f}s of CPU)"
        )


def demo_history_seed(
    *, customers: dict[str, Customer], now: datetime | None = None
) -> HistorySummary:
    """Plays a year of history up to `now` for `customers` (by username), who have no plan yet."""
    started, cpu_started = time.monotonic(), time.process_time()
    history = _History(now=now or timezone.now(), customers=customers)
    history.play()
    history.summary.seconds = time.monotonic() - started
    history.summary.cpu_seconds = time.process_time() - cpu_started
    return history.summary


def _month_start(moment: datetime, months_back: int) -> datetime:
    local = timezone.localtime(moment)
    month_index = local.year * 12 + local.month - 1 - months_back
    return local.replace(
        year=month_index // 12,
        month=month_index % 12 + 1,
        day=1,
        hour=0,
        minute=0,
        second=0,
        microsecond=0,
    )


class _History:
    def __init__(self, *, now: datetime, customers: dict[str, Customer]) -> None:
        self.now = now
        self.customers = customers
        self.random = random.Random(RANDOM_SEED)  # noqa: S311 - demo data, not security
        self.summary = HistorySummary()
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []
        self.order = itertools.count()
        self.offered: set[int] = set()
        self.assignment_due = False

    def at(self, moment: datetime, step: Callable[[], None]) -> None:
        """Schedules a step; one that would fall after now is not played (the ticket stays open)."""
        if moment < self.now:
            heapq.heappush(self.events, (moment, next(self.order), step))

    def play(self) -> None:
        self._plan()
        first = self.events[0][0]
        # A year of messages, e-mails and SMS would bury `make run`'s own output: the kernel's line
        # per message and the console backends' copies are not shown.
        logging.disable(logging.INFO)
        try:
            with (
                # Three accounts a month: charging them from threads would only have each wait
                # for the others' lock on billing's SQLite file.
                inline_delivery(),
                override_settings(PAYMENT_JOB_CONCURRENT_CHARGES=1),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                with time_machine.travel(first) as clock:
                    while self.events:
                        moment, _, step = heapq.heappop(self.events)
                        clock.move_to(moment)
                        step()
                # Once, today: sending after every step would cost a third of the seeding.
                notifications_send_due()
        finally:
            logging.disable(logging.NOTSET)

    def _plan(self) -> None:
        joined = _month_start(self.now, BILLED_MONTHS + 1) + timedelta(days=14, hours=10)
        for position, (username, customer) in enumerate(self.customers.items()):
            contract_code, cards = PLANS[username]
            self.at(joined + timedelta(hours=position), self._join(customer, contract_code, cards))
            if len(cards) > 1:
                self.at(
                    _month_start(self.now, BILLED_MONTHS - MONTHS_BEFORE_NEW_CARD)
                    + timedelta(days=9, hours=18),
                    self._new_card(customer, cards[1]),
                )
        customers = list(self.customers.values())
        for months_back in range(BILLED_MONTHS, -1, -1):
            month = _month_start(self.now, months_back)
            for _ in range(self.random.randint(*TICKETS_A_MONTH)):
                self._ticket_planned(self.random.choice(customers), month)
        for months_back in range(BILLED_MONTHS, 0, -1):
            period = _month_start(self.now, months_back)
            # The scheduler bills the month just ended at 02:00 on the 1st.
            self.at(
                _month_start(self.now, months_back - 1) + timedelta(hours=2),
                self._bill(f"{period.year:04d}-{period.month:02d}"),
            )

    def _ticket_planned(self, customer: Customer, month: datetime) -> None:
        device = self.random.choice(list(TROUBLES))
        priority = self.random.choices(
            list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values())
        )[0]
        title = self.random.choice(TROUBLES[device])
        submitted = month + timedelta(
            days=self.random.randint(0, 27),
            hours=self.random.randint(8, 20),
            minutes=self.random.randint(0, 59),
        )

        def submit() -> None:
            ticket_submit(customer=customer, title=title, device_category=device, priority=priority)
            self.summary.counts["tickets"] += 1
            self._assignment_run_in(ASSIGNMENT_DELAY)

        self.at(submitted, submit)

    def _join(self, customer: Customer, contract_code: str, cards: list[str]) -> Callable[[], None]:
        def join() -> None:
            support_plan_choose(customer=customer, contract_code=contract_code)
            self._card_added(customer, cards[0])

        return join

    def _new_card(self, customer: Customer, number: str) -> Callable[[], None]:
        def new_card() -> None:
            self._card_added(customer, number)
            # Billing administrators retry the declined charges on the new card.
            self.at(timezone.now() + timedelta(hours=1), self._retry_declined)

        return new_card

    def _card_added(self, customer: Customer, number: str) -> None:
        card_register(
            customer=customer,
            number=number,
            expiry_month=12,
            expiry_year=timezone.localdate().year + CARD_EXPIRY_YEARS,
            cvc="123",
            holder_name=customer.name,
        )

    def _retry_declined(self) -> None:
        outcomes = payment_alerts_retry()
        self.summary.counts["charged"] += outcomes[PaymentStatus.CHARGED]

    def _bill(self, period: str) -> Callable[[], None]:
        def bill() -> None:
            # The month is billed here and now, as its past month would have been: each chunk
            # the plan hands to billing's workers is found finished when a worker takes it.
            run = payment_run_plan(period=period).run
            for chunk_id in run.chunks.values_list("pk", flat=True):
                payment_chunk_bill(chunk_id=chunk_id, provider=payment_provider())
            counts = payment_run_progress(run=run).counts
            self.summary.counts["charged"] += counts[PaymentStatus.CHARGED]
            self.summary.counts["declined"] += counts[PaymentStatus.DECLINED]

        return bill

    def _assignment_run_in(self, delay: timedelta) -> None:
        if not self.assignment_due:
            self.assignment_due = True
            self.at(timezone.now() + delay, self._assignment_run)

    def _assignment_run(self) -> None:
        self.assignment_due = False
        tickets_assign()
        offers = Assignment.objects.filter(status=Assignment.Status.ASSIGNED).exclude(
            pk__in=self.offered
        )
        for assignment in offers.select_related("ticket", "expert"):
            self.offered.add(assignment.pk)
            self._work_planned(assignment)

    def _work_planned(self, assignment: Assignment) -> None:
        """The expert accepts within the hour, comes a little before or after the expected time,
        and works an hour or a few."""
        now = timezone.now()
        window = timedelta(hours=ARRIVAL_HOURS[Priority(assignment.ticket.priority)])
        accepted = now + timedelta(minutes=self.random.randint(5, 55))
        started = accepted + window * self.random.uniform(0.2, 1.15)
        completed = started + timedelta(minutes=self.random.randint(40, 300))
        expert, pk = assignment.expert, assignment.pk

        def complete() -> None:
            assignment_complete(
                expert=expert, assignment_id=pk, resolution_notes="Repaired on site and tested."
            )
            self.summary.counts["completed"] += 1
            if tickets_queued_count():
                self._assignment_run_in(ASSIGNMENT_DELAY)
            if self.random.random() < SURVEY_ANSWERED_SHARE:
                on_time = started <= assignment.expected_arrival
                self.at(
                    completed + timedelta(hours=self.random.randint(1, 48)),
                    self._survey_answer(assignment.ticket_id, on_time),
                )

        self.at(accepted, lambda: assignment_accept(expert=expert, assignment_id=pk))
        self.at(started, lambda: assignment_start(expert=expert, assignment_id=pk))
        self.at(completed, complete)

    def _survey_answer(self, ticket_id: object, on_time: bool) -> Callable[[], None]:
        def answer() -> None:
            rating = self.random.choice([5, 5, 4, 4, 3] if on_time else [4, 3, 3, 2, 1])
            survey_submit(
                invitation=SurveyInvitation.objects.get(ticket_id=ticket_id),
                rating=rating,
                comment="" if rating > 2 else "The expert came later than we were told.",
                expert_on_time=on_time,
                would_recommend=rating >= 4,
            )
            self.summary.counts["surveys"] += 1

        return answer
