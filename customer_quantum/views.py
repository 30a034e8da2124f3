"""Portal pages: thin views over the customer quantum's services and selectors."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from customer_quantum.forms import TicketForm
from customer_quantum.selectors import customer_of_user, tickets_of
from customer_quantum.services import ticket_submit


def customer_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Passes the signed-in customer to the view; other accounts (staff) get a clear 403 page."""

    @login_required
    @wraps(view)
    def with_customer(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        customer = customer_of_user(request.user.id)
        if customer is None:
            return render(request, "customer_quantum/not_a_customer.html", status=403)
        return view(request, customer, *args, **kwargs)

    return with_customer


@customer_page
def ticket_list(request: HttpRequest, customer) -> HttpResponse:
    return render(
        request,
        "customer_quantum/ticket_list.html",
        {"customer": customer, "tickets": tickets_of(customer)},
    )


@customer_page
def ticket_new(request: HttpRequest, customer) -> HttpResponse:
    form = TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = ticket_submit(customer=customer, **form.cleaned_data)
        messages.success(
            request, "Thank you: your ticket is submitted and on its way to our experts."
        )
        return redirect("portal:ticket-detail", ticket_id=ticket.id)
    return render(request, "customer_quantum/ticket_new.html", {"form": form})


@customer_page
def ticket_detail(request: HttpRequest, customer, ticket_id) -> HttpResponse:
    ticket = get_object_or_404(tickets_of(customer), pk=ticket_id)
    return render(request, "customer_quantum/ticket_detail.html", {"ticket": ticket})
