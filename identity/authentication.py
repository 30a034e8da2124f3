"""The API's token authentication: knox's, noting when each token was last used."""

import binascii
from hmac import compare_digest

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from config.compiled_reads import CompiledRead
from identity.services import api_token_expired, api_token_used

# The tokens a presented key may be, with their users: read at every API request, compiled once.
_tokens_of_key = CompiledRead(
    lambda key: get_token_model().objects.filter(token_key=key).select_related("user"),
    placeholder="key-placeholder",
)


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        """knox's, with the tokens of the key read by `_tokens_of_key`."""
        invalid = _("Invalid token.")
        token = token.decode("utf-8")
        for auth_token in _tokens_of_key(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(invalid) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(invalid)

    def _cleanup_token(self, auth_token) -> bool:
        # knox's own also reads all the user's other tokens, to delete the expired ones: a second
        # query on every signed-in request. Those go when the user is issued a new token instead.
        return api_token_expired(token=auth_token)

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        api_token_used(token=token)
        return user, token


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of knox's tokens, for this subclass too."""

    target_class = "identity.authentication.ApiTokenAuthentication"
