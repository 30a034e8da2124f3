"""What each report page shows: the selectors' figures as one table (which is also the CSV
export) and a chart of them."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from analytics import selectors
from analytics.charts import BarChart, bar_chart
from analytics.selectors import Period


@dataclass(frozen=True)
class Report:
    explanation: str
    columns: list[str]
    rows: list[list[str]]
    charts: list[BarChart]


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.1f}"


def _in_hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def ticket_operations(*, period: Period, now: datetime) -> Report:
    figures = selectors.ticket_operations(period=period, now=now)
    targets = ", ".join(
        f"{priority} {hours} h"
        for priority, hours in settings.ANALYTICS_RESOLUTION_TARGET_HOURS.items()
    )
    by_priority = [row for row in figures if row.priority]
    return Report(
        explanation=(
            "Tickets submitted in the period, as they stand now. Waiting for assignment: new, or "
            "declined by an expert and not offered again yet. Overdue: still open longer than the "
            f"target resolution time of its priority, counted from submission ({targets}); "
            "resolved late: completed after that target. Times are hours from submission to the "
            "first assignment and to completion: average, median (p50) and 90th percentile (p90)."
        ),
        columns=[
            "Priority",
            "Received",
            "Open",
            "Waiting for assignment",
            "Overdue",
            "Resolved",
            "Resolved late",
            "Hours to assign (average)",
            "Hours to assign (p50)",
            "Hours to assign (p90)",
            "Hours to resolve (average)",
            "Hours to resolve (p50)",
            "Hours to resolve (p90)",
        ],
        rows=[
            [
                row.priority or "all",
                str(row.received),
                str(row.open),
                str(row.waiting_for_assignment),
                str(row.overdue),
                str(row.resolved),
                str(row.resolved_late),
                *map(
                    _hours,
                    (
                        row.assign_average,
                        row.assign_median,
                        row.assign_p90,
                        row.resolve_average,
                        row.resolve_median,
                        row.resolve_p90,
                    ),
                ),
            ]
            for row in figures
        ],
        charts=[
            bar_chart(
                title="Open tickets by priority",
                categories=[row.priority for row in by_priority],
                series={
                    "Open": [row.open for row in by_priority],
                    "Waiting for assignment": [row.waiting_for_assignment for row in by_priority],
                    "Overdue": [row.overdue for row in by_priority],
                },
            ),
            bar_chart(
                title="Hours to resolve by priority",
                categories=[row.priority for row in by_priority],
                series={
                    "Median (p50)": [_in_hours(row.resolve_median) for row in by_priority],
                    "90th percentile": [_in_hours(row.resolve_p90) for row in by_priority],
                    "Target": [
                        settings.ANALYTICS_RESOLUTION_TARGET_HOURS[row.priority]
                        for row in by_priority
                    ],
                },
                unit=" h",
            ),
        ],
    )


# The chart shows the experts who resolved most; the table lists them all.
EXPERTS_CHARTED = 15


def _who_resolved_most(charted: int) -> str:
    return (
        "the expert who resolved most"
        if charted == 1
        else f"the {charted} experts who resolved most"
    )


def expert_performance(*, period: Period) -> Report:
    figures = selectors.expert_performance(period=period)
    charted = figures[:EXPERTS_CHARTED]
    return Report(
        explanation=(
            "Per expert, in the period: tickets offered, declined and resolved; the rejection rate "
            "(declined out of offered); and the customers' average rating (1 to 5) of the tickets "
            "the expert completed, from surveys submitted in the period."
        ),
        columns=[
            "Expert",
            "Offered",
            "Declined",
            "Rejection rate (%)",
            "Resolved",
            "Surveys",
            "Average rating",
        ],
        rows=[
            [
                row.expert_name or f"Expert {row.expert_id}",
                str(row.offered),
                str(row.rejected),
                "" if row.rejection_rate is None else f"{row.rejection_rate * 100:.1f}",
                str(row.resolved),
                str(row.ratings),
                "" if row.average_rating is None else f"{row.average_rating:.2f}",
            ]
            for row in figures
        ],
        charts=[
            bar_chart(
                title=f"Tickets resolved and declined, {_who_resolved_most(len(charted))}",
                categories=[row.expert_name or f"Expert {row.expert_id}" for row in charted],
                series={
                    "Resolved": [row.resolved for row in charted],
                    "Declined": [row.rejected for row in charted],
                },
            )
        ],
    )


def financial(*, period: Period) -> Report:
    figures = selectors.financial(period=period)
    currencies = sorted({row.currency for row in figures})
    return Report(
        explanation=(
            "Per billed month: payments charged and their total (the revenue), and payments "
            "declined by the card's issuer and their total. A retry after a decline is a payment "
            "of its own."
        ),
        columns=["Month", "Currency", "Charged", "Revenue", "Declined", "Declined amount"],
        rows=[
            [
                row.month,
                row.currency,
                str(row.charged),
                f"{row.revenue:.2f}",
                str(row.declined),
                f"{row.declined_amount:.2f}",
            ]
            for row in figures
        ],
        charts=[
            bar_chart(
                title=f"Revenue and declined payments by month{f' ({currency})' if currency else ''}",
                categories=[row.month for row in figures if row.currency == currency],
                series={
                    "Revenue": [float(row.revenue) for row in figures if row.currency == currency],
                    "Declined amount": [
                        float(row.declined_amount) for row in figures if row.currency == currency
                    ],
                },
                unit=f" {currency}" if currency else "",
            )
            for currency in currencies
        ],
    )
