from django.urls import path

from customer_quantum.api import tickets as tickets_api
from customer_quantum.views import tickets as ticket_pages

portal = (
    [
        path("", ticket_pages.ticket_list, name="ticket-list"),
        path("tickets/new/", ticket_pages.ticket_new, name="ticket-new"),
        path("tickets/<uuid:ticket_id>/", ticket_pages.ticket_detail, name="ticket-detail"),
    ],
    "portal",
)

customer_api = (
    [
        path("tickets/", tickets_api.TicketListCreate.as_view(), name="tickets"),
        path("tickets/<uuid:pk>/", tickets_api.TicketDetail.as_view(), name="ticket"),
    ],
    "customer-api",
)
