"""The product's URLs plus the benchmark's references, mounted only under bench settings."""

from django.urls import path

from bench.portal.views import TicketWithoutMessage, bare_insert
from config.urls import handler404
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("bench/insert/", bare_insert),
    path("bench/ticket-without-message/", TicketWithoutMessage.as_view()),
]
__all__ = ["handler404", "urlpatterns"]
