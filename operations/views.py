"""Health endpoints for load balancers and orchestrators (no login, no data, just the answer), and
the quanta status page for staff."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from operations.health import web_readiness
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
