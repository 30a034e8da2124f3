"""The analytics quantum's end of the message bus."""

from analytics import handlers
from message_contracts.invoices import PaymentRecorded
from message_contracts.surveys import SurveySubmitted
from message_contracts.tickets import TicketLifecycleRecorded
from messaging.endpoint import Endpoint

endpoint = Endpoint(
    app_label="analytics",
    handlers={
        PaymentRecorded: handlers.payment_recorded,
        SurveySubmitted: handlers.survey_submitted,
        TicketLifecycleRecorded: handlers.ticket_lifecycle_recorded,
    },
)
