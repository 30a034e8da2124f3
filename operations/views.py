"""Health endpoints for load balancers and orchestrators: no login, no data, just the answer."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from operations.health import web_readiness


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
