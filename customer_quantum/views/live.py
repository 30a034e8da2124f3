"""What the portal's pages ask for to keep themselves current without a reload.

A page marks a part of itself with `data-live-url`; `static/portal-live.js` asks that URL every few
seconds and swaps in the part's HTML when it changed. The part is rendered by the same template
the page includes, so the page as first served and as updated never differ, and the times in it
are in the customer's zone like the rest of the page.
"""

from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers


def live_part(request: HttpRequest, template: str, context: dict, *, final: bool) -> JsonResponse:
    """`final` tells the page that this part will not change again, so it can stop asking."""
    response = JsonResponse(
        {"html": render_to_string(template, context, request=request), "final": final}
    )
    add_never_cache_headers(response)
    return response
