"""The API token exchange, throttled as strictly as registration: it is where passwords are guessed."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class TokenForCredentials(ObtainAuthToken):
    # DRF's view turns every throttle off; this one keeps the strict scope.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "credentials"
