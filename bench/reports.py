"""Benchmark of the managers' report queries (UC-6) on PostgreSQL, on a year of generated facts.

Not a test: it measures. It creates a throwaway database `sysops_bench_reports_analytics` on the
server of BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432; it touches no other
database), fills analytics' tables with a year of tickets (each with its lifecycle steps), surveys
and payments, then runs each report query several times over the whole year and over one month,
prints the median time of each, and drops the database.

    .venv/bin/python bench/reports.py [--tickets 100000] [--surveys 20000] \
        [--payments-per-month 5000] [--experts 300] [--runs 5]
"""

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.throwaway import on_throwaway_databases

DATABASE = "sysops_bench_reports_analytics"
# Hours from submission to completion, typical per priority (the spread is random around it).
RESOLVE_HOURS = {"urgent": 6, "high": 20, "normal": 60, "low": 140}
PRIORITY_WEIGHTS = {"urgent": 1, "high": 2, "normal": 5, "low": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--surveys", type=int, default=20_000)
    parser.add_argument("--payments-per-month", type=int, default=5_000)
    parser.add_argument("--experts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5, help="runs of each query; the median shows")
    arguments = parser.parse_args()
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")

    # Only analytics is used: every alias names the one database, which the others never open.
    with on_throwaway_databases(server, lambda alias: DATABASE):
        run(arguments)


def run(arguments: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", "analytics", database="analytics", verbosity=0)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    completed = tickets_create(arguments.tickets, arguments.experts, now)
    surveys_create(arguments.surveys, completed)
    payments_create(arguments.payments_per_month, now)
    with connections["analytics"].cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT (SELECT count(*) FROM analytics_ticketfact), "
            "(SELECT count(*) FROM analytics_ticketevent), "
            "(SELECT count(*) FROM analytics_surveyresponse), "
            "(SELECT count(*) FROM analytics_paymentfact)"
        )
        tickets, events, surveys, payments = cursor.fetchone()
    print(
        f"generated in {time.perf_counter() - started:.0f} s: {tickets:,} tickets, "
        f"{events:,} lifecycle events, {surveys:,} surveys, {payments:,} payments "
        f"({arguments.experts} experts)"
    )
    time_reports(now, arguments.runs)


def copy_rows(model, columns: list[str], rows) -> None:
    """PostgreSQL's COPY: the generated year loads in a fraction of bulk_create's time."""
    from django.db import connections

    statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connections["analytics"].cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def tickets_create(count: int, experts: int, now: datetime) -> list[tuple[uuid.UUID, datetime]]:
    """A year of tickets, most completed, a few declined once, the newest still open; returns the
    completed ones (for surveys)."""
    from analytics.models import TicketEvent, TicketFact

    rng = random.Random(6)  # noqa: S311 - repeatable data, not security
    priorities, weights = list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values())
    categories = ["computer", "phone", "tablet", "television", "audio", "camera", "appliance"]
    completed, facts, events = [], [], []
    for _ in range(count):
        ticket_id = uuid.uuid4()
        priority = rng.choices(priorities, weights)[0]
        submitted = now - timedelta(seconds=rng.randrange(365 * 86_400))
        expert = rng.randrange(experts)
        steps = [("received", submitted + timedelta(seconds=2), None)]
        assigned = submitted + timedelta(minutes=rng.expovariate(1 / 45))
        if rng.random() < 0.08:  # declined once, then offered to another expert
            steps += [
                ("assigned", assigned, expert),
                ("rejected", assigned + timedelta(minutes=rng.uniform(5, 120)), expert),
            ]
            expert = (expert + 1 + rng.randrange(experts - 1)) % experts
            assigned = steps[-1][1] + timedelta(minutes=rng.expovariate(1 / 45))
        resolved = submitted + timedelta(hours=rng.lognormvariate(0, 0.6) * RESOLVE_HOURS[priority])
        resolved = max(resolved, assigned + timedelta(minutes=30))
        later = [
            ("assigned", assigned, expert),
            ("accepted", assigned + (resolved - assigned) * 0.1, expert),
            ("started", assigned + (resolved - assigned) * 0.5, expert),
            ("completed", resolved, expert),
        ]
        steps += [step for step in later if step[1] <= now]
        last_step, last_at, last_expert = steps[-1]
        done = last_step == "completed"
        first_assigned = next((at for step, at, _ in steps if step == "assigned"), None)
        facts.append(
            (
                ticket_id,
                priority,
                rng.choice(categories),
                submitted,
                last_step,
                len(steps) - 1,
                first_assigned,
                last_at if done else None,
                round((first_assigned - submitted).total_seconds()) if first_assigned else None,
                round((last_at - submitted).total_seconds()) if done else None,
                last_expert if done else None,
                f"Expert {last_expert}" if done else "",
            )
        )
        events += [
            (ticket_id, sequence, step, at, who, "" if who is None else f"Expert {who}", now)
            for sequence, (step, at, who) in enumerate(steps)
        ]
        if done:
            completed.append((ticket_id, last_at))
    copy_rows(
        TicketFact,
        [
            "ticket_id",
            "priority",
            "device_category",
            "submitted_at",
            "step",
            "sequence",
            "first_assigned_at",
            "completed_at",
            "seconds_to_assign",
            "seconds_to_resolve",
            "resolved_by_expert_id",
            "resolved_by_expert_name",
        ],
        facts,
    )
    copy_rows(
        TicketEvent,
        ["ticket_id", "sequence", "step", "occurred_at", "expert_id", "expert_name", "received_at"],
        events,
    )
    return completed


def surveys_create(count: int, completed: list[tuple[uuid.UUID, datetime]]) -> None:
    from analytics.models import SurveyResponse

    rng = random.Random(7)  # noqa: S311 - repeatable data, not security
    answered = rng.sample(completed, min(count, len(completed)))
    copy_rows(
        SurveyResponse,
        [
            "survey_id",
            "ticket_id",
            "customer_id",
            "rating",
            "comment",
            "submitted_at",
            "received_at",
        ],
        (
            (
                uuid.uuid4(),
                ticket_id,
                rng.randrange(1, 50_000),
                rng.choices([1, 2, 3, 4, 5], [1, 1, 3, 6, 6])[0],
                "",
                completed_at + timedelta(hours=rng.uniform(1, 72)),
                completed_at,
            )
            for ticket_id, completed_at in answered
        ),
    )


def payments_create(per_month: int, now: datetime) -> None:
    """Twelve billed months; about 4% of charges declined, most of those charged on a retry."""
    from analytics.models import PaymentFact

    rng = random.Random(8)  # noqa: S311 - repeatable data, not security
    months = [
        (
            (now.year * 12 + now.month - 1 - back) // 12,
            (now.year * 12 + now.month - 1 - back) % 12 + 1,
        )
        for back in range(12, 0, -1)
    ]
    payments = []
    for year, month in months:
        recorded = datetime(year, month, 28, 2, tzinfo=UTC)
        for customer in range(per_month):
            payment_id, amount = uuid.uuid4(), Decimal(rng.choice(["9.99", "19.99", "29.90"]))
            outcomes = ["declined", "charged"] if rng.random() < 0.04 else ["charged"]
            payments += [
                (
                    payment_id,
                    attempt,
                    customer,
                    f"{year:04d}-{month:02d}",
                    "premium",
                    amount,
                    "USD",
                    outcome,
                    f"{year}-{month:02d}{customer:06d}" if outcome == "charged" else "",
                    recorded,
                    recorded,
                )
                for attempt, outcome in enumerate(outcomes, start=1)
            ]
    copy_rows(
        PaymentFact,
        [
            "payment_id",
            "attempt",
            "customer_id",
            "period",
            "contract_code",
            "amount",
            "currency",
            "outcome",
            "invoice_number",
            "recorded_at",
            "received_at",
        ],
        payments,
    )


def time_reports(now: datetime, runs: int) -> None:
    from analytics import selectors
    from analytics.forms import default_period
    from analytics.selectors import Period

    year = default_period(now.date())
    month = Period(first_day=now.date() - timedelta(days=30), last_day=now.date())
    queries = {
        "ticket operations": lambda period: selectors.ticket_operations(period=period, now=now),
        "expert performance": lambda period: selectors.expert_performance(period=period),
        "financial": lambda period: selectors.financial(period=period),
    }
    print(f"\n{'report':<20} {'period':<10} {'rows':>6} {'median ms':>10} {'min ms':>8}")
    for name, query in queries.items():
        for label, period in (("12 months", year), ("30 days", month)):
            timings, rows = [], []
            for _ in range(runs):
                started = time.perf_counter()
                rows = query(period)
                timings.append((time.perf_counter() - started) * 1000)
            print(
                f"{name:<20} {label:<10} {len(rows):>6} "
                f"{statistics.median(timings):>10.1f} {min(timings):>8.1f}"
            )


if __name__ == "__main__":
    main()
