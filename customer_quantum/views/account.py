"""Portal pages for the customer's account: registration, profile and support plan."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from customer_quantum.forms import ProfileForm, RegistrationForm
from customer_quantum.selectors import support_contracts_offered, support_plan_of
from customer_quantum.services.customers import (
    REGISTRATION_RECEIVED,
    customer_email_confirm,
    customer_profile_update,
    customer_register,
    support_plan_choose,
)
from customer_quantum.views.access import customer_page


def register(request: HttpRequest) -> HttpResponse:
    """Whether an account was opened or the username or address was taken, the page answers the
    same and the e-mail tells what happened: signing in at once would tell it to anybody."""
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        details = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
        try:
            customer_register(**details)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, REGISTRATION_RECEIVED.format(email=details["email"]))
            return redirect("login")
    return render(request, "customer_quantum/register.html", {"form": form})


@customer_page
def profile(request: HttpRequest, customer) -> HttpResponse:
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=customer)
    if request.method == "POST" and form.is_valid():
        asked_email = form.cleaned_data["email"]
        try:
            customer = customer_profile_update(customer=customer, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Your profile is saved.")
            if asked_email.casefold() != customer.email.casefold():
                messages.info(
                    request,
                    f"We have sent a link to {asked_email}: "
                    "the new address takes effect once you open it.",
                )
            return redirect("portal:profile")
    return render(
        request,
        "customer_quantum/profile.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@customer_page
def email_confirm(request: HttpRequest, customer, token: str) -> HttpResponse:
    try:
        customer_email_confirm(customer=customer, token=token)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"Your e-mail address is now {customer.email}.")
    return redirect("portal:profile")


@customer_page
def plan(request: HttpRequest, customer) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            chosen = support_plan_choose(
                customer=customer, contract_code=request.POST.get("contract_code", "")
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, f"Your plan is now {chosen.contract.name}.")
            return redirect("portal:plan")
    return render(
        request,
        "customer_quantum/plan.html",
        {
            "plan": support_plan_of(customer),
            "contracts": support_contracts_offered(),
            "error": error,
        },
        status=400 if error else 200,
    )
