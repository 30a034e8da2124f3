"""Health endpoints for load balancers and orchestrators (no login, no data, just the answer); the
operations pages for staff, in the admin's look (the pipes' status, every quantum's dead letters,
a message trace); the same status as Prometheus metrics for monitoring."""

import hmac
from ipaddress import ip_address

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from messaging.admin import quanta_seen_by
from messaging.models import replay_permission
from operations.dead_letters import dead_letters_listed, dead_letters_replay
from operations.forms import DeadLetterFilterForm, ReplayForm, TraceForm
from operations.health import web_readiness
from operations.metrics import registry
from operations.status import system_status
from operations.trace import (
    NothingToTrace,
    may_trace,
    message_trace,
    trace_heading,
    trace_rows,
)
from operations.trace_diagram import sequence_diagram

# Enough for an incident's letters; a quantum's own list (linked) pages through all of them.
DEAD_LETTERS_SHOWN = 200


@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    is_ready, checks = web_readiness()
    return JsonResponse(
        {
            "status": "ready" if is_ready else "not ready",
            "checks": {check.component: check.problem or "ok" for check in checks},
        },
        status=200 if is_ready else 503,
    )


def _admin_page(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """In the admin's look, with its user bar and navigation."""
    return render(request, template, admin.site.each_context(request) | context, status=status)


@staff_member_required
def quanta_status(request: HttpRequest) -> HttpResponse:
    status = system_status()
    return _admin_page(
        request,
        "operations/status.html",
        {"title": "Pipes between the quanta", "status": status},
        status=503 if status.problems else 200,
    )


@staff_member_required
def dead_letters(request: HttpRequest) -> HttpResponse:
    """Every quantum's dead letters the user may see, in one list; replays go to each letter's
    own quantum's worker and need that quantum's `messaging.replay_<quantum>_deadletters`."""
    viewable = quanta_seen_by(request.user)
    if not viewable:
        raise PermissionDenied
    replayable = [q for q in viewable if request.user.has_perm(f"messaging.{replay_permission(q)}")]
    if request.method == "POST":
        form = ReplayForm(request.POST, quanta=replayable)
        if form.is_valid():
            outcomes = dead_letters_replay(
                letters=form.cleaned_data["letters"], requested_by=request.user.get_username()
            )
            for quantum, queued, refusal in outcomes:
                if queued:
                    messages.success(
                        request,
                        f"{queued} replay(s) queued for the {quantum} worker: the list shows each "
                        "outcome once it has run (a replayed letter leaves the list).",
                    )
                if refusal:
                    messages.error(request, f"{quantum}: not queued, the broker refused: {refusal}")
            return redirect(request.get_full_path())
        for problem in form.errors["letters"]:
            messages.error(request, f"Nothing replayed: {problem}")
        chosen, status = None, 400
    else:
        chosen, status = _chosen_quantum(request, viewable)
    letters = dead_letters_listed(quanta=viewable, only=chosen, limit=DEAD_LETTERS_SHOWN)
    return _admin_page(
        request,
        "operations/dead_letters.html",
        {
            "title": "Dead letters, every quantum",
            "letters": letters,
            "chosen": chosen,
            "replayable": replayable,
            "limit": DEAD_LETTERS_SHOWN,
        },
        status=status,
    )


@staff_member_required
def message_trace_page(request: HttpRequest) -> HttpResponse:
    if not may_trace(request.user):
        raise PermissionDenied
    context = {"title": "Message trace", "form": TraceForm()}
    if "id" not in request.GET:
        return _admin_page(request, "operations/trace.html", context)
    form = TraceForm(request.GET)
    context["form"] = form
    if not form.is_valid():
        return _admin_page(request, "operations/trace.html", context, status=400)
    try:
        trace = message_trace(subject=form.cleaned_data["id"])
    except NothingToTrace as nothing:
        form.add_error("id", str(nothing))
        return _admin_page(request, "operations/trace.html", context, status=404)
    rows = trace_rows(trace)
    return _admin_page(
        request,
        "operations/trace.html",
        context
        | {
            "trace": trace,
            "heading": trace_heading(trace),
            "rows": rows,
            "diagram": sequence_diagram(lifelines=trace.lifelines, rows=rows),
        },
    )


def _chosen_quantum(request: HttpRequest, viewable: list[str]) -> tuple[str | None, int]:
    form = DeadLetterFilterForm(request.GET, quanta=viewable)
    if form.is_valid():
        return form.cleaned_data["quantum"] or None, 200
    messages.error(request, f"No such quantum among yours: {request.GET.get('quantum', '')[:60]}")
    return None, 400


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """With METRICS_TOKEN set, a scraper sends it as a bearer token; without it, only this host
    may scrape (the figures name the quanta and their load, which is not for the internet)."""
    if settings.METRICS_TOKEN:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            sent.encode(), settings.METRICS_TOKEN.encode()
        ):
            response = HttpResponse("a valid bearer token is required\n", status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
    elif not _from_this_host(request):
        return HttpResponse("metrics are served to this host only: set METRICS_TOKEN\n", status=403)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _from_this_host(request: HttpRequest) -> bool:
    try:
        return ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:  # a server on a unix socket gives no address: nothing says it is local
        return False
