"""The managers' reports on a small data set whose figures are worked out by hand below."""

import csv
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from analytics import reports, selectors
from analytics.selectors import ExpertFigures, MonthFigures, Period, TicketFigures
from analytics.services import payment_fact_record, survey_response_record, ticket_step_record
from message_contracts.invoices import PaymentRecorded
from message_contracts.surveys import SurveySubmitted
from message_contracts.tickets import TicketLifecycleRecorded
from operations.staff_groups import MANAGERS
from tests.analytics.conftest import at

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])

JUNE = Period(first_day=date(2026, 6, 1), last_day=date(2026, 6, 30))
NOW = at("2026-06-30 12:00")
ADA, BOB = (1, "Ada"), (2, "Bob")
HOUR = 3600


def ticket(priority: str, submitted: str, *steps: tuple) -> uuid.UUID:
    """Steps as (step, hours after submission, expert or None), numbered from 0."""
    ticket_id, submitted_at = uuid.uuid4(), at(submitted)
    for sequence, (name, hours, expert) in enumerate(steps):
        ticket_step_record(
            recorded=TicketLifecycleRecorded(
                ticket_id=ticket_id,
                sequence=sequence,
                step=name,
                occurred_at=submitted_at + timedelta(hours=hours),
                priority=priority,
                device_category="computer",
                submitted_at=submitted_at,
                expert_id=expert[0] if expert else None,
                expert_name=expert[1] if expert else "",
            )
        )
    return ticket_id


def survey(ticket_id: uuid.UUID, rating: int, submitted: str) -> None:
    survey_response_record(
        submitted=SurveySubmitted(
            survey_id=uuid.uuid4(),
            ticket_id=ticket_id,
            customer_id=1,
            rating=rating,
            submitted_at=at(submitted),
        )
    )


def payment(period: str, amount: str, outcome: str, attempt: int = 1, payment_id=None) -> None:
    payment_fact_record(
        recorded=PaymentRecorded(
            payment_id=payment_id or uuid.uuid4(),
            attempt=attempt,
            customer_id=1,
            period=period,
            contract_code="premium",
            amount=Decimal(amount),
            currency="EUR",
            outcome=outcome,
            recorded_at=at(f"{period}-28 02:00"),
        )
    )


@pytest.fixture
def facts():
    """Five tickets, three surveys in June (one in July), payments in May and June."""
    done = [("received", 0, None), ("assigned", 1, ADA), ("accepted", 2, ADA)]
    # A: urgent, assigned after 1 h, resolved after 6 h by Ada: on time (target 8 h).
    a = ticket("urgent", "2026-06-10 00:00", *done, ("started", 3, ADA), ("completed", 6, ADA))
    # B: urgent, offered to Bob after 3 h, who declines; Ada resolves it after 10 h: late.
    b = ticket(
        "urgent",
        "2026-06-10 00:00",
        ("received", 0, None),
        ("assigned", 3, BOB),
        ("rejected", 4, BOB),
        ("assigned", 5, ADA),
        ("completed", 10, ADA),
    )
    # C: normal, never assigned: waiting, and overdue on the 30th (target 72 h).
    ticket("normal", "2026-06-10 00:00", ("received", 0, None))
    # D: normal, assigned to Bob after 2 h, a day before the report: open, neither waiting nor late.
    ticket("normal", "2026-06-29 12:00", ("received", 0, None), ("assigned", 2, BOB))
    # E: low, submitted in May, assigned then; Bob completes it on 1 June.
    e = ticket(
        "low",
        "2026-05-20 00:00",
        ("received", 0, None),
        ("assigned", 1, BOB),
        ("completed", 288, BOB),
    )
    survey(a, 5, "2026-06-11 09:00")
    survey(b, 3, "2026-06-12 09:00")
    survey(e, 4, "2026-06-02 09:00")
    survey(b, 1, "2026-07-01 09:00")
    payment("2026-05", "10.00", "charged")
    payment("2026-06", "20.00", "charged")
    payment("2026-06", "30.00", "charged")
    payment("2026-06", "15.00", "declined")
    payment("2026-06", "5.00", "failed")
    retried = uuid.uuid4()
    payment("2026-06", "12.50", "declined", payment_id=retried)
    payment("2026-06", "12.50", "charged", attempt=2, payment_id=retried)


def test_ticket_operations(facts):
    rows = selectors.ticket_operations(period=JUNE, now=NOW)

    assert rows == [
        TicketFigures("urgent", 2, 0, 0, 0, 2, 1, *hours(2, 2, 2.8), *hours(8, 8, 9.6)),
        TicketFigures("normal", 2, 2, 1, 1, 0, 0, *hours(2, 2, 2), None, None, None),
        TicketFigures("", 4, 2, 1, 1, 2, 1, *hours(2, 2, 2.8), *hours(8, 8, 9.6)),
    ]


def hours(*values: float) -> list[float]:
    return [pytest.approx(value * HOUR) for value in values]


def test_the_period_chooses_the_tickets_by_submission(facts):
    may_and_june = Period(first_day=date(2026, 5, 1), last_day=date(2026, 6, 30))

    rows = selectors.ticket_operations(period=may_and_june, now=NOW)

    low = next(row for row in rows if row.priority == "low")
    assert (low.received, low.resolved, low.resolve_median) == (1, 1, pytest.approx(288 * HOUR))
    assert rows[-1].received == 5
    assert selectors.ticket_operations(
        period=Period(date(2026, 1, 1), date(2026, 1, 31)), now=NOW
    ) == [TicketFigures("", 0, 0, 0, 0, 0, 0, None, None, None, None, None, None)]


def test_expert_performance(facts):
    rows = selectors.expert_performance(period=JUNE)

    assert rows == [
        ExpertFigures(1, "Ada", offered=2, rejected=0, resolved=2, ratings=2, average_rating=4.0),
        ExpertFigures(2, "Bob", offered=2, rejected=1, resolved=1, ratings=1, average_rating=4.0),
    ]
    assert rows[1].rejection_rate == 0.5


def test_a_rating_counts_in_the_period_the_survey_was_submitted(facts):
    july = Period(first_day=date(2026, 7, 1), last_day=date(2026, 7, 31))

    assert selectors.expert_performance(period=july) == [
        ExpertFigures(1, "Ada", offered=0, rejected=0, resolved=0, ratings=1, average_rating=1.0)
    ]


def test_financial(facts):
    may_and_june = Period(first_day=date(2026, 5, 1), last_day=date(2026, 6, 30))

    assert selectors.financial(period=may_and_june) == [
        MonthFigures("2026-05", "EUR", 1, Decimal("10.00"), 0, Decimal("0.00")),
        MonthFigures("2026-06", "EUR", 3, Decimal("62.50"), 2, Decimal("27.50")),
    ]
    assert selectors.financial(period=Period(date(2026, 7, 1), date(2026, 8, 15))) == [
        MonthFigures("2026-07", "", 0, Decimal("0.00"), 0, Decimal("0.00")),
        MonthFigures("2026-08", "", 0, Decimal("0.00"), 0, Decimal("0.00")),
    ]


# Pages and exports.


@pytest.fixture
def staff(db):
    def sign_in(*, manager: bool = True, is_staff: bool = True) -> Client:
        call_command("setup_staff_groups", verbosity=0)
        user = get_user_model().objects.create_user(
            f"user{get_user_model().objects.count()}", is_staff=is_staff
        )
        if manager:
            user.groups.add(Group.objects.get(name=MANAGERS))
        client = Client()
        client.force_login(user)
        return client

    return sign_in


REPORT_PAGES = [
    "/analytics/reports/tickets/",
    "/analytics/reports/experts/",
    "/analytics/reports/financial/",
]
REPORT_EXPORTS = [page.rstrip("/") + ".csv" for page in REPORT_PAGES]


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_a_manager_sees_each_report_with_its_chart_table_and_export(staff, facts, page):
    response = staff().get(page, {"from": "2026-06-01", "to": "2026-06-30"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert '<table class="report-table">' in html
    assert f"{page.rstrip('/')}.csv?from=2026-06-01&amp;to=2026-06-30" in html


def test_the_charts_need_no_inline_style_or_script_and_nothing_from_elsewhere(staff, facts):
    response = staff().get(
        "/analytics/reports/tickets/", {"from": "2026-06-01", "to": "2026-06-30"}
    )

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert 'style="' not in html
    assert "<style" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []


@pytest.mark.parametrize("page", REPORT_PAGES + REPORT_EXPORTS)
def test_staff_without_the_reports_permission_are_refused(staff, page):
    assert staff(manager=False).get(page).status_code == 403


@pytest.mark.parametrize("page", REPORT_PAGES + REPORT_EXPORTS)
@pytest.mark.django_db(databases=["default", "analytics", "customer"])  # the customer's time zone
def test_a_signed_in_customer_is_sent_to_the_staff_login(staff, page):
    response = staff(manager=False, is_staff=False).get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("model", ["ticketfact", "ticketevent", "surveyresponse"])
def test_a_manager_reads_the_facts_in_admin(staff, facts, model):
    manager = staff()
    listed = manager.get(f"/admin/analytics/{model}/")
    first = listed.context["cl"].result_list[0]

    assert listed.status_code == 200
    assert manager.get(f"/admin/analytics/{model}/{first.pk}/change/").status_code == 200
    assert manager.get(f"/admin/analytics/{model}/add/").status_code == 403


def test_the_admin_index_links_the_reports_for_managers_only(staff):
    assert "/analytics/reports/tickets/" in staff().get("/admin/").content.decode()
    assert "/analytics/reports/tickets/" not in staff(manager=False).get("/admin/").content.decode()


def test_the_export_gives_the_tables_figures_for_the_same_period(staff, facts):
    response = staff().get(
        "/analytics/reports/financial.csv", {"from": "2026-05-01", "to": "2026-06-30"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="financial-2026-05-01-2026-06-30.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "Month,Currency,Charged,Revenue,Declined,Declined amount",
        "2026-05,EUR,1,10.00,0,0.00",
        "2026-06,EUR,3,62.50,2,27.50",
    ]


def test_the_expert_export(staff, facts):
    response = staff().get(
        "/analytics/reports/experts.csv", {"from": "2026-06-01", "to": "2026-06-30"}
    )

    assert response.content.decode().splitlines() == [
        "Expert,Offered,Declined,Rejection rate (%),Resolved,Surveys,Average rating",
        "Ada,2,0,0.0,2,2,4.00",
        "Bob,2,1,50.0,1,1,4.00",
    ]


def test_the_ticket_export_has_a_row_per_priority_and_one_for_all(staff, facts):
    response = staff().get(
        "/analytics/reports/tickets.csv", {"from": "2026-06-01", "to": "2026-06-30"}
    )

    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Priority,Received,Open,Waiting for assignment,Overdue,")
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["urgent", "2", "0"],
        ["normal", "2", "2"],
        ["all", "4", "2"],
    ]
    assert lines[1].split(",")[7:] == ["2.0", "2.0", "2.8", "8.0", "8.0", "9.6"]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"from": "2026-13-01"}, "Enter a date as YYYY-MM-DD."),
        ({"to": "yesterday"}, "Enter a date as YYYY-MM-DD."),
        ({"from": "2026-07-01", "to": "2026-06-01"}, "must be on or before"),
        ({"from": "1990-01-01", "to": "2026-06-01"}, "at most ten years"),
        ({"to": "9999-12-31"}, "at most ten years"),
    ],
)
def test_bad_dates_get_a_clear_message_and_no_figures(staff, query, problem):
    manager = staff()

    page = manager.get("/analytics/reports/tickets/", query)
    export = manager.get("/analytics/reports/tickets.csv", query)

    assert page.status_code == 400
    assert problem in page.content.decode()
    assert '<table class="report-table">' not in page.content.decode()
    assert export.status_code == 400
    assert problem in export.content.decode()


def test_without_dates_a_report_covers_the_last_twelve_months(staff):
    response = staff().get("/analytics/reports/financial/")

    assert response.status_code == 200
    assert len(response.context["report"].rows) == 12


def test_an_unknown_report_is_not_found(staff):
    assert staff().get("/analytics/reports/salaries/").status_code == 404


def test_an_expert_name_a_spreadsheet_would_run_is_exported_as_text(staff):
    staff_typed = (7, '=HYPERLINK("http://evil.example","Ada")')
    ticket("normal", "2026-06-10 00:00", ("received", 0, None), ("assigned", 1, staff_typed))

    response = staff().get(
        "/analytics/reports/experts.csv", {"from": "2026-06-01", "to": "2026-06-30"}
    )

    [row] = list(csv.reader(response.content.decode().splitlines()))[1:]
    assert row[0] == "'" + staff_typed[1]
    assert row[1:3] == ["1", "0"]


def test_the_expert_chart_names_one_expert_or_several_in_good_english(facts):
    several = reports.expert_performance(period=JUNE).charts[0].title
    august = Period(first_day=date(2026, 8, 1), last_day=date(2026, 8, 31))
    ticket("low", "2026-08-03 00:00", ("received", 0, None), ("assigned", 1, ADA))

    assert several == "Tickets resolved and declined, the 2 experts who resolved most"
    assert reports.expert_performance(period=august).charts[0].title == (
        "Tickets resolved and declined, the expert who resolved most"
    )
