"""The API token exchange, throttled as strictly as registration: it is where passwords are guessed."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class TokenForCredentials(ObtainAuthToken):
    # DRF's view turns every throttle off; this one keeps the strict scope.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "credentials"
    # DRF's view also reads forms with its own JSON parser; this one takes the API's JSON only.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
