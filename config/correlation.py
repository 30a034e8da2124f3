"""Each web request is a flow of its own. A caller (a load balancer, the mobile app) may name it with
a valid X-Correlation-ID header; the response always names it, so a user's report can be traced."""

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from messaging.flow import flow

HEADER = "X-Correlation-ID"


class CorrelationIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        correlation_id = _parsed(request.headers.get(HEADER)) or uuid.uuid4()
        with flow(correlation_id):
            response = self.get_response(request)
        response[HEADER] = str(correlation_id)
        return response


def _parsed(header: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(header) if header else None
    except ValueError:
        return None
