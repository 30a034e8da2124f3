"""The product's URLs plus the benchmark's references, mounted only under bench settings."""

from django.urls import path

from bench.portal.views import (
    bare_insert,
    card_with_outbox_row_only,
    card_without_message,
    ticket_with_outbox_row_only,
    ticket_without_message,
)
from config.urls import handler404
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("bench/insert/", bare_insert),
    path("bench/ticket-without-message/", ticket_without_message),
    path("bench/card-without-message/", card_without_message),
    path("bench/ticket-with-outbox-row-only/", ticket_with_outbox_row_only),
    path("bench/card-with-outbox-row-only/", card_with_outbox_row_only),
]
__all__ = ["handler404", "urlpatterns"]
