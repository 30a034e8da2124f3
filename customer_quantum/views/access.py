"""Who may see portal pages: signed-in customers; other accounts get a clear page saying so."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def customer_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Passes the signed-in customer (as CustomerTimeZoneMiddleware read it) to the view; other
    accounts (staff) get a clear 403 page."""

    @login_required
    @wraps(view)
    def with_customer(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        customer = request.customer
        if customer is None:
            return render(request, "customer_quantum/not_a_customer.html", status=403)
        return view(request, customer, *args, **kwargs)

    return with_customer
