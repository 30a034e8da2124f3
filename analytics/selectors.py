"""The managers' report queries (UC-6). Each aggregates in the database and returns a few rows of
figures: one per priority, per expert, or per month and currency."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Q, Sum

from analytics.aggregates import Percentile
from analytics.models import PaymentFact, SurveyResponse, TicketEvent, TicketFact
from message_contracts.tickets import Priority, TicketStep

# Most urgent first, as the reports list them.
PRIORITIES = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]


@dataclass(frozen=True)
class Period:
    """From the first day to the last, both included, in UTC."""

    first_day: date
    last_day: date

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=UTC)

    @property
    def ends(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=UTC)

    def months(self) -> list[str]:
        """Every month the period touches, as billing names them (YYYY-MM)."""
        months, year, month = [], self.first_day.year, self.first_day.month
        while (year, month) <= (self.last_day.year, self.last_day.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def resolution_target(priority: str) -> timedelta:
    return timedelta(hours=settings.ANALYTICS_RESOLUTION_TARGET_HOURS[priority])


@dataclass(frozen=True)
class TicketFigures:
    """Tickets submitted in the period, as they stand now. Durations in seconds."""

    priority: str  # empty for all priorities together
    received: int
    open: int
    waiting_for_assignment: int
    overdue: int
    resolved: int
    resolved_late: int
    assign_average: float | None
    assign_median: float | None
    assign_p90: float | None
    resolve_average: float | None
    resolve_median: float | None
    resolve_p90: float | None


def ticket_operations(*, period: Period, now: datetime) -> list[TicketFigures]:
    """One row per priority, most urgent first, then one for all priorities together.

    Overdue: still open past its priority's target resolution time (counted from submission).
    Resolved late: completed, but after that target.
    """
    overdue = Q()
    late = Q()
    for priority in PRIORITIES:
        target = resolution_target(priority)
        overdue |= Q(priority=priority, submitted_at__lt=now - target)
        late |= Q(priority=priority, seconds_to_resolve__gt=target.total_seconds())
    still_open = Q(completed_at__isnull=True)
    figures = {
        "received": Count("id"),
        "open": Count("id", filter=still_open),
        "waiting_for_assignment": Count(
            "id", filter=Q(step__in=[TicketStep.RECEIVED, TicketStep.REJECTED])
        ),
        "overdue": Count("id", filter=still_open & overdue),
        "resolved": Count("id", filter=Q(completed_at__isnull=False)),
        "resolved_late": Count("id", filter=late),
        "assign_average": Avg("seconds_to_assign"),
        "assign_median": Percentile("seconds_to_assign", fraction=0.5),
        "assign_p90": Percentile("seconds_to_assign", fraction=0.9),
        "resolve_average": Avg("seconds_to_resolve"),
        "resolve_median": Percentile("seconds_to_resolve", fraction=0.5),
        "resolve_p90": Percentile("seconds_to_resolve", fraction=0.9),
    }
    submitted = TicketFact.objects.filter(
        submitted_at__gte=period.starts, submitted_at__lt=period.ends
    )
    by_priority = {
        row.pop("priority"): row
        for row in submitted.order_by().values("priority").annotate(**figures)
    }
    rows = [
        TicketFigures(priority=priority, **by_priority[priority])
        for priority in PRIORITIES
        if priority in by_priority
    ]
    return [*rows, TicketFigures(priority="", **submitted.aggregate(**figures))]


@dataclass(frozen=True)
class ExpertFigures:
    expert_id: int
    expert_name: str
    offered: int
    rejected: int
    resolved: int
    ratings: int
    average_rating: float | None

    @property
    def rejection_rate(self) -> float | None:
        """Offers declined out of offers made in the period."""
        return self.rejected / self.offered if self.offered else None


def expert_performance(*, period: Period) -> list[ExpertFigures]:
    """One row per expert with a step or a rated ticket in the period, most resolved first.

    A survey counts for the expert who completed its ticket, in the period it was submitted.
    """
    steps = (
        TicketEvent.objects.filter(
            occurred_at__gte=period.starts, occurred_at__lt=period.ends, expert_id__isnull=False
        )
        .order_by()
        .values("expert_id")
        .annotate(
            expert_name=Max("expert_name"),
            offered=Count("id", filter=Q(step=TicketStep.ASSIGNED)),
            rejected=Count("id", filter=Q(step=TicketStep.REJECTED)),
            resolved=Count("id", filter=Q(step=TicketStep.COMPLETED)),
        )
    )
    ratings = (
        SurveyResponse.objects.filter(
            submitted_at__gte=period.starts,
            submitted_at__lt=period.ends,
            ticket__resolved_by_expert_id__isnull=False,
        )
        .order_by()
        .values(expert_id=F("ticket__resolved_by_expert_id"))
        .annotate(
            expert_name=Max("ticket__resolved_by_expert_name"),
            ratings=Count("id"),
            average_rating=Avg("rating"),
        )
    )
    experts: dict[int, dict] = {}
    for row in steps:
        experts[row["expert_id"]] = row | {"ratings": 0, "average_rating": None}
    for row in ratings:
        blank = {"expert_name": row["expert_name"], "offered": 0, "rejected": 0, "resolved": 0}
        expert = experts.setdefault(row["expert_id"], {"expert_id": row["expert_id"], **blank})
        expert.update(ratings=row["ratings"], average_rating=row["average_rating"])
    rows = [ExpertFigures(**expert) for expert in experts.values()]
    return sorted(rows, key=lambda row: (-row.resolved, row.expert_name, row.expert_id))


@dataclass(frozen=True)
class MonthFigures:
    month: str
    currency: str
    charged: int
    revenue: Decimal
    declined: int
    declined_amount: Decimal


def financial(*, period: Period) -> list[MonthFigures]:
    """Per billed month and currency: payments charged and their sum (the revenue), and payments
    declined by the card's issuer. Every month of the period has its row, payments or not."""
    months = period.months()
    charged, declined = Q(outcome="charged"), Q(outcome="declined")
    rows = (
        PaymentFact.objects.filter(period__gte=months[0], period__lte=months[-1])
        .order_by()
        .values("period", "currency")
        .annotate(
            charged=Count("id", filter=charged),
            revenue=Sum("amount", filter=charged, default=Decimal("0.00")),
            declined=Count("id", filter=declined),
            declined_amount=Sum("amount", filter=declined, default=Decimal("0.00")),
        )
    )
    found = {(row.pop("period"), row["currency"]): row for row in rows}
    currencies = sorted({currency for _, currency in found}) or [""]
    nothing = {"charged": 0, "revenue": Decimal("0.00"), "declined": 0}
    nothing["declined_amount"] = Decimal("0.00")
    return [
        MonthFigures(month=month, **found.get((month, currency), nothing | {"currency": currency}))
        for currency in currencies
        for month in months
    ]
