"""The API token exchange and the API logout.

The exchange is throttled as strictly as registration (it is where passwords are guessed) and
django-axes counts its failures; a locked-out user gets the same 400 as a wrong password.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from config.api_fields import StrictCharField
from identity.authentication import ApiTokenAuthentication
from identity.services import api_token_issue, api_token_revoke, api_tokens_revoke_all


class CredentialsSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=128, trim_whitespace=False)


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown this once: only its digest is kept.")
    expiry = serializers.DateTimeField(help_text="After this the token is refused.")


class TokenForCredentials(APIView):
    """Exchanges a username and password for an API token (`Authorization: Token <token>`)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "credentials"

    @extend_schema(request=CredentialsSerializer, responses={200: IssuedTokenSerializer}, auth=[])
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request=request, **credentials.validated_data)
        if user is None:
            raise ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        token, key = api_token_issue(user=user, client=request.headers.get("User-Agent", ""))
        return Response(IssuedTokenSerializer({"token": key, "expiry": token.expiry}).data)


class Logout(APIView):
    """Revokes the token this request is signed with."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        api_token_revoke(user=request.user, token_key=request.auth.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhere(APIView):
    """Revokes every token of the signed-in user: each device must sign in again."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        api_tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
