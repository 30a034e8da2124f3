"""`seed_demo_history` leaves a year behind the demo customers, made by the quanta's own services
and messages, so every report has figures for each of the last twelve months; run again, it adds
nothing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics import selectors as reports
from analytics.models import PaymentFact, SurveyResponse, TicketFact
from billing_quantum.models import BillingAccount, Invoice, Payment
from customer_quantum.models import Invoice as ReceivedInvoice
from customer_quantum.models import Ticket
from operations.demo_history import BILLED_MONTHS

pytestmark = pytest.mark.django_db(databases="__all__")


def counts() -> dict[str, int]:
    return {
        model.__name__ + model._meta.app_label: model.objects.count()
        for model in (Ticket, Payment, Invoice, ReceivedInvoice, TicketFact, SurveyResponse)
    }


def last_months(now, count: int) -> list[reports.Period]:
    """The `count` whole months before the current one, oldest first."""
    periods, last_day = [], timezone.localdate(now).replace(day=1) - timedelta(days=1)
    for _ in range(count):
        first_day = last_day.replace(day=1)
        periods.insert(0, reports.Period(first_day=first_day, last_day=last_day))
        last_day = first_day - timedelta(days=1)
    return periods


def test_a_year_of_history_fills_every_report_for_twelve_months_and_is_seeded_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo_history")
    first = capsys.readouterr().out
    seeded = counts()
    now = timezone.now()
    months = last_months(now, BILLED_MONTHS)
    year = reports.Period(first_day=months[0].first_day, last_day=timezone.localdate(now))

    for month in months:
        every_priority = reports.ticket_operations(period=month, now=now)[-1]
        assert every_priority.received > 0, month
        assert every_priority.resolved > 0, month
    revenue = {row.month: row.revenue for row in reports.financial(period=year)}
    assert len(revenue) == BILLED_MONTHS + 1  # the current month is not billed yet
    assert all(revenue[month] > 0 for month in list(revenue)[:BILLED_MONTHS])
    assert sum(row.declined for row in reports.financial(period=year)) == 3
    experts = reports.expert_performance(period=year)
    assert {row.expert_name for row in experts if row.resolved} == {"Ada Lovelace", "Grace Hopper"}
    assert all(row.average_rating for row in experts)
    # Billing started with the first whole month of each plan, a year back.
    assert BillingAccount.objects.filter(plan_started_at__lt=months[0].starts).count() == 3
    assert Payment.objects.filter(status="charged").count() == 3 * BILLED_MONTHS
    assert ReceivedInvoice.objects.count() == Invoice.objects.count() == 3 * BILLED_MONTHS
    assert PaymentFact.objects.count() == 3 * BILLED_MONTHS + 3
    assert "Demo history for alice, bob, carol:" in first

    call_command("seed_demo")
    call_command("seed_demo_history")

    assert "Demo history: already there" in capsys.readouterr().out
    assert counts() == seeded
    assert TicketFact.objects.count() == Ticket.objects.count()
