"""The product's URLs plus the benchmark's references, mounted only under bench settings."""

from django.urls import path

from bench.portal.views import bare_insert, card_without_message, ticket_without_message
from config.urls import handler404
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("bench/insert/", bare_insert),
    path("bench/ticket-without-message/", ticket_without_message),
    path("bench/card-without-message/", card_without_message),
]
__all__ = ["handler404", "urlpatterns"]
