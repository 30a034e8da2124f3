"""Health endpoints for load balancers and orchestrators (no login, no data, just the answer), the
quanta status page for staff, and the same status as Prometheus metrics for monitoring."""

import hmac
from ipaddress import ip_address

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from operations.health import web_readiness
from operations.metrics import registry
from operations.status import system_status


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


@staff_member_required
def quanta_status(request: HttpRequest) -> HttpResponse:
    status = system_status()
    return render(
        request,
        "operations/status.html",
        {"status": status},
        status=503 if status.problems else 200,
    )


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
