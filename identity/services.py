"""API tokens: issued for a password, revoked by their owner, by logout or by a password change.

Tokens are django-rest-knox's: only a digest is stored, each has an expiry (REST_KNOX's TOKEN_TTL),
and an expired one is refused and deleted at its next use.
"""

from django.contrib.auth.models import AbstractBaseUser
from knox.models import AuthToken


def api_token_issue(*, user: AbstractBaseUser) -> tuple[AuthToken, str]:
    """The new token and its key: the key is shown this once and never stored."""
    return AuthToken.objects.create(user=user)


def api_token_revoke(*, user: AbstractBaseUser, token_key: str) -> int:
    """Revokes the user's token that starts with `token_key`; how many were revoked (0 or 1)."""
    revoked, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return revoked


def api_tokens_revoke_all(*, user: AbstractBaseUser) -> int:
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    return revoked
