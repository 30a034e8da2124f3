"""Portal pages for tickets."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from customer_quantum.forms import TicketForm
from customer_quantum.models import Ticket, TicketStatus
from customer_quantum.selectors import survey_invitation_open, ticket_timeline, tickets_of
from customer_quantum.services.surveys import survey_path
from customer_quantum.services.tickets import ticket_submit
from customer_quantum.views.access import customer_page
from customer_quantum.views.live import live_part
from customer_quantum.views.pages import page_of


@customer_page
def ticket_list(request: HttpRequest, customer) -> HttpResponse:
    return render(
        request,
        "customer_quantum/ticket_list.html",
        {"customer": customer, "tickets": page_of(request, tickets_of(customer))},
    )


@customer_page
def ticket_list_live(request: HttpRequest, customer) -> HttpResponse:
    tickets = page_of(request, tickets_of(customer))
    return live_part(
        request,
        "customer_quantum/ticket_table.html",
        {"tickets": tickets},
        final=all(ticket.status == TicketStatus.COMPLETED for ticket in tickets),
    )


@customer_page
def ticket_new(request: HttpRequest, customer) -> HttpResponse:
    form = TicketForm(request.POST if request.method == "POST" else None)
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
    return render(request, "customer_quantum/ticket_detail.html", _progress(ticket))


@customer_page
def ticket_detail_live(request: HttpRequest, customer, ticket_id) -> HttpResponse:
    ticket = get_object_or_404(tickets_of(customer), pk=ticket_id)
    progress = _progress(ticket)
    # Completed, and no earlier step still to arrive late: nothing on this page changes any more.
    settled = len(progress["timeline"]) == ticket.status_sequence
    return live_part(
        request,
        "customer_quantum/ticket_progress.html",
        progress,
        final=ticket.status == TicketStatus.COMPLETED and settled,
    )


def _progress(ticket: Ticket) -> dict:
    survey = survey_invitation_open(ticket)
    return {
        "ticket": ticket,
        "timeline": list(ticket_timeline(ticket)),
        "survey": survey,
        "survey_path": survey_path(survey) if survey else None,
    }
