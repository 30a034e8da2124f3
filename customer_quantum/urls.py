from django.urls import path

from customer_quantum.api import cards as cards_api
from customer_quantum.api import customers as customers_api
from customer_quantum.api import invoices as invoices_api
from customer_quantum.api import surveys as surveys_api
from customer_quantum.api import tickets as tickets_api
from customer_quantum.views import account as account_pages
from customer_quantum.views import cards as card_pages
from customer_quantum.views import invoices as invoice_pages
from customer_quantum.views import surveys as survey_pages
from customer_quantum.views import tickets as ticket_pages

portal = (
    [
        path("", ticket_pages.ticket_list, name="ticket-list"),
        path("tickets/live/", ticket_pages.ticket_list_live, name="ticket-list-live"),
        path("tickets/new/", ticket_pages.ticket_new, name="ticket-new"),
        path("tickets/<uuid:ticket_id>/", ticket_pages.ticket_detail, name="ticket-detail"),
        path(
            "tickets/<uuid:ticket_id>/live/",
            ticket_pages.ticket_detail_live,
            name="ticket-detail-live",
        ),
        path("register/", account_pages.register, name="register"),
        path("profile/", account_pages.profile, name="profile"),
        path("profile/email/<str:token>/", account_pages.email_confirm, name="email-confirm"),
        path("plan/", account_pages.plan, name="plan"),
        path("cards/", card_pages.card_list, name="card-list"),
        path("cards/live/", card_pages.card_list_live, name="card-list-live"),
        path("cards/new/", card_pages.card_new, name="card-new"),
        path("invoices/", invoice_pages.invoice_list, name="invoice-list"),
        path("invoices/<uuid:invoice_id>/", invoice_pages.invoice_detail, name="invoice-detail"),
        path("surveys/<str:token>/", survey_pages.survey, name="survey"),
    ],
    "portal",
)

customer_api = (
    [
        path("tickets/", tickets_api.TicketListCreate.as_view(), name="tickets"),
        path("tickets/<uuid:pk>/", tickets_api.TicketDetail.as_view(), name="ticket"),
        path("tickets/<uuid:pk>/survey/", surveys_api.TicketSurvey.as_view(), name="ticket-survey"),
        path("register/", customers_api.Register.as_view(), name="register"),
        path("profile/", customers_api.Profile.as_view(), name="profile"),
        path("contracts/", customers_api.SupportContracts.as_view(), name="contracts"),
        path("plan/", customers_api.Plan.as_view(), name="plan"),
        path("cards/", cards_api.CardListRegister.as_view(), name="cards"),
        path("invoices/", invoices_api.InvoiceList.as_view(), name="invoices"),
        path("invoices/<uuid:pk>/", invoices_api.InvoiceDetail.as_view(), name="invoice"),
    ],
    "customer-api",
)
