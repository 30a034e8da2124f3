"""The client's address, by one rule for the API's throttles and for the login lockout.

X-Forwarded-For is whatever the client wrote, followed by one address per proxy that passed the
request on: only the hops added by proxies we run can be believed. With TRUSTED_PROXY_COUNT=0 (no
proxy) the header is ignored; with N proxies the address counted is the one the outermost of them
saw, N places from the end. DRF's throttles apply this rule (as `NUM_PROXIES`); django-axes is given
the same function rather than a second implementation of it.
"""

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str:
    return BaseThrottle().get_ident(request)
