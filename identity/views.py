"""The signed-in user's API tokens (the mobile app, scripts): listed, revoked one by one or all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from identity.selectors import api_tokens_of
from identity.services import api_token_revoke, api_tokens_revoke_all


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/api_tokens.html", {"tokens": api_tokens_of(user=request.user)})


@require_POST
@login_required
def api_token_revoked(request: HttpRequest, token_key: str) -> HttpResponse:
    if api_token_revoke(user=request.user, token_key=token_key):
        messages.success(request, "The token is revoked: the device using it must sign in again.")
    else:
        messages.info(request, "That token was already revoked or had expired.")
    return redirect("identity:api-tokens")


@require_POST
@login_required
def api_tokens_revoked(request: HttpRequest) -> HttpResponse:
    revoked = api_tokens_revoke_all(user=request.user)
    messages.success(request, f"{revoked} token(s) revoked: every device must sign in again.")
    return redirect("identity:api-tokens")
