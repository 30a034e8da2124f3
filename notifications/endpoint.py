"""The notifications quantum's end of the message bus."""

from message_contracts.notifications import NotificationRequested
from messaging.endpoint import Endpoint
from notifications import handlers

endpoint = Endpoint(
    app_label="notifications",
    handlers={NotificationRequested: handlers.notification_requested},
)
