"""Portal pages for cards: the customer's card summaries and the form that adds one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from customer_quantum.forms import CardForm
from customer_quantum.models import CardStatus
from customer_quantum.services.cards import card_register
from customer_quantum.views.access import customer_page
from customer_quantum.views.live import live_part
from customer_quantum.views.pages import page_of


@customer_page
def card_list(request: HttpRequest, customer) -> HttpResponse:
    return render(
        request,
        "customer_quantum/card_list.html",
        {"cards": page_of(request, customer.cards.all())},
    )


@customer_page
def card_list_live(request: HttpRequest, customer) -> HttpResponse:
    cards = page_of(request, customer.cards.all())
    return live_part(
        request,
        "customer_quantum/card_table.html",
        {"cards": cards},
        final=all(card.status != CardStatus.PENDING for card in cards),
    )


@sensitive_post_parameters("number", "cvc")
@customer_page
def card_new(request: HttpRequest, customer) -> HttpResponse:
    form = CardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            card_register(customer=customer, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Thank you: your card is added and is being verified.")
            return redirect("portal:card-list")
    return render(request, "customer_quantum/card_new.html", {"form": form})
