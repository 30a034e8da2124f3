"""The API's token authentication: knox's, noting when each token was last used."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication

from identity.services import api_token_expired, api_token_used


class ApiTokenAuthentication(TokenAuthentication):
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
