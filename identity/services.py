"""API tokens: issued for a password, revoked by their owner, by logout or by a password change.

Tokens are django-rest-knox's: only a digest is stored, each has an expiry (REST_KNOX's TOKEN_TTL),
and an expired one is refused and deleted at its next use. The user's other expired tokens are
deleted when the user is issued a new one, not at every request as knox does.
"""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from identity.models import ApiToken

# "Last used" to the minute is enough to recognise a device, and keeps a signed-in request from
# writing to the identity database more than once a minute per token.
USE_NOTED_EVERY = timedelta(minutes=1)


def api_token_issue(*, user: AbstractBaseUser, client: str = "") -> tuple[ApiToken, str]:
    """The new token and its key: the key is shown this once and never stored."""
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return ApiToken.objects.create(
        user=user, client=client[: ApiToken._meta.get_field("client").max_length]
    )


def api_token_expired(*, token: ApiToken) -> bool:
    """Whether the token is past its expiry; an expired token is deleted."""
    if token.expiry is None or token.expiry >= timezone.now():
        return False
    token.delete()
    return True


def api_token_used(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= USE_NOTED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def api_token_revoke(*, user: AbstractBaseUser, token_key: str) -> int:
    """Revokes the user's token that starts with `token_key`; how many were revoked (0 or 1)."""
    revoked, _ = ApiToken.objects.filter(user=user, token_key=token_key).delete()
    return revoked


def api_tokens_revoke_all(*, user: AbstractBaseUser) -> int:
    revoked, _ = ApiToken.objects.filter(user=user).delete()
    return revoked
