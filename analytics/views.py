"""The managers' report pages (UC-6): staff with the `analytics.view_reports` permission only."""

import csv

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from analytics import reports
from analytics.forms import PeriodForm

REPORTS = {
    "tickets": (
        "Ticket operations",
        lambda period: reports.ticket_operations(period=period, now=timezone.now()),
    ),
    "experts": ("Expert performance", lambda period: reports.expert_performance(period=period)),
    "financial": ("Financial", lambda period: reports.financial(period=period)),
}


def _period_form(request: HttpRequest, slug: str) -> PeriodForm:
    if slug not in REPORTS:
        raise Http404("No such report.")
    return PeriodForm(request.GET, today=timezone.now().date())


@staff_member_required
@permission_required("analytics.view_reports", raise_exception=True)
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = _period_form(request, slug)
    title, build = REPORTS[slug]
    context = {
        "form": form,
        "slug": slug,
        "title": title,
        "reports": {other: name for other, (name, _) in REPORTS.items()},
    }
    if not form.is_valid():
        return render(request, "analytics/report.html", context, status=400)
    period = form.cleaned_data["period"]
    return render(
        request,
        "analytics/report.html",
        context | {"report": build(period), "period": period},
    )


@staff_member_required
@permission_required("analytics.view_reports", raise_exception=True)
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    form = _period_form(request, slug)
    if not form.is_valid():
        problems = [problem for field in form.errors.values() for problem in field]
        return HttpResponseBadRequest(
            "\n".join(problems) + "\n", content_type="text/plain; charset=utf-8"
        )
    period = form.cleaned_data["period"]
    report = REPORTS[slug][1](period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}-{period.first_day}-{period.last_day}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(report.columns)
    writer.writerows([[_inert(cell) for cell in row] for row in report.rows])
    return response


FORMULA_STARTS = "=+-@\t\r"


def _inert(cell: str) -> str:
    """A spreadsheet runs a cell starting with = + - @ as a formula (CSV injection): an expert's name
    is typed by staff, so text like that is kept as text. Numbers, negative ones too, stay numbers."""
    if not cell or cell[0] not in FORMULA_STARTS:
        return cell
    try:
        float(cell)
    except ValueError:
        return "'" + cell
    return cell
