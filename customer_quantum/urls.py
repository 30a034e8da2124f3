from django.urls import path

from customer_quantum import api, views

portal = (
    [
        path("", views.ticket_list, name="ticket-list"),
        path("tickets/new/", views.ticket_new, name="ticket-new"),
        path("tickets/<uuid:ticket_id>/", views.ticket_detail, name="ticket-detail"),
    ],
    "portal",
)

customer_api = (
    [
        path("tickets/", api.TicketListCreate.as_view(), name="tickets"),
        path("tickets/<uuid:pk>/", api.TicketDetail.as_view(), name="ticket"),
    ],
    "customer-api",
)
