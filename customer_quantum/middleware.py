"""Portal requests run in the signed-in customer's time zone, so every time a page shows is theirs.

The customer read here is the one the portal's pages use (`request.customer`): one read a request.
"""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from customer_quantum.selectors import customer_of_user


class CustomerTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # Staff are never customers: their pages (admin, reports) stay in the server's zone and
        # never ask the customer database.
        if not user.is_authenticated or user.is_staff:
            request.customer = None
            return self.get_response(request)
        request.customer = customer = customer_of_user(user.id)
        if customer is None:
            return self.get_response(request)
        try:
            zone = zoneinfo.ZoneInfo(customer.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            # A zone this machine's database no longer knows: the page still shows, in the
            # server's zone, whose name every time carries.
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)
