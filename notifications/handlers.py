"""One function per message notifications receives; each calls a service."""

from message_contracts.notifications import NotificationRequested
from notifications.services import notification_request


def notification_requested(message: NotificationRequested) -> None:
    notification_request(requested=message)
