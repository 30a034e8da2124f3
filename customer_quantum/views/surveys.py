"""The survey page a completed ticket's e-mail links to (UC-4).

It asks for a login like every portal page: the invitation is a customer's, and the answer is sent
in their name. Somebody else's link is refused exactly like a forged one.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from customer_quantum.forms import SurveyForm
from customer_quantum.services.surveys import (
    SurveyAlreadyAnswered,
    SurveyExpired,
    SurveyNotFound,
    survey_check_open,
    survey_invitation_of_link,
    survey_submit,
)
from customer_quantum.views.access import customer_page

NOT_FOUND = (
    "This survey link is not valid. Check that you opened the whole link from the e-mail, "
    "and that you are logged in as the customer it was sent to."
)
ANSWERED = "You have already answered this survey. Thank you!"


@customer_page
def survey(request: HttpRequest, customer, token: str) -> HttpResponse:
    try:
        invitation = survey_invitation_of_link(token=token, customer=customer)
        survey_check_open(invitation)
    except SurveyNotFound:
        return _closed(request, NOT_FOUND, status=404)
    except SurveyAlreadyAnswered:
        return _closed(request, ANSWERED, status=409, ticket=invitation.ticket)
    except SurveyExpired as expired:
        return _closed(request, str(expired), status=410, ticket=invitation.ticket)

    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_submit(invitation=invitation, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, refused)
        except SurveyAlreadyAnswered:
            return _closed(request, ANSWERED, status=409, ticket=invitation.ticket)
        except SurveyExpired as expired:
            return _closed(request, str(expired), status=410, ticket=invitation.ticket)
        else:
            messages.success(request, "Thank you for answering our survey.")
            return redirect("portal:ticket-detail", ticket_id=invitation.ticket_id)
    return render(
        request,
        "customer_quantum/survey.html",
        {"form": form, "ticket": invitation.ticket, "expires_at": invitation.expires_at},
        status=400 if form.errors else 200,
    )


def _closed(request: HttpRequest, reason: str, *, status: int, ticket=None) -> HttpResponse:
    return render(
        request,
        "customer_quantum/survey_closed.html",
        {"reason": reason, "ticket": ticket},
        status=status,
    )
