"""Portal pages for the customer's account: registration, profile and support plan."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from customer_quantum.forms import ProfileForm, RegistrationForm
from customer_quantum.selectors import support_contracts_offered, support_plan_of
from customer_quantum.services.customers import (
    customer_profile_update,
    customer_register,
    support_plan_choose,
)
from customer_quantum.views.access import customer_page


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        details = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
        try:
            customer = customer_register(**details)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            # The account was just made, not authenticated: name the backend that owns it.
            login(
                request,
                get_user_model().objects.get(pk=customer.user_id),
                backend="django.contrib.auth.backends.ModelBackend",
            )
            messages.success(request, f"Welcome, {customer.name}. Now choose your support plan.")
            return redirect("portal:plan")
    return render(request, "customer_quantum/register.html", {"form": form})


@customer_page
def profile(request: HttpRequest, customer) -> HttpResponse:
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            customer_profile_update(customer=customer, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("portal:profile")
    return render(request, "customer_quantum/profile.html", {"form": form})


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
