"""One function per message analytics receives; each calls a service."""

from analytics.services import payment_fact_record, survey_response_record, ticket_step_record
from message_contracts.invoices import PaymentRecorded
from message_contracts.surveys import SurveySubmitted
from message_contracts.tickets import TicketLifecycleRecorded


def payment_recorded(message: PaymentRecorded) -> None:
    payment_fact_record(recorded=message)


def survey_submitted(message: SurveySubmitted) -> None:
    survey_response_record(submitted=message)


def ticket_lifecycle_recorded(message: TicketLifecycleRecorded) -> None:
    ticket_step_record(recorded=message)
