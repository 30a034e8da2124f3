"""The analytics quantum's end of the message bus."""

from analytics import handlers
from message_contracts.invoices import PaymentRecorded
from messaging.endpoint import Endpoint

endpoint = Endpoint(app_label="analytics", handlers={PaymentRecorded: handlers.payment_recorded})
