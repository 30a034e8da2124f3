"""What the customer quantum asks notifications to tell a customer or an e-mail address."""

from datetime import datetime

from django.utils import timezone

from customer_quantum.apps import DATABASE
from customer_quantum.models import Customer, NotificationPreference
from message_contracts.notifications import (
    Channel,
    NotificationRequested,
    NotificationType,
    Recipient,
)
from messaging.endpoint import endpoint_for


def customer_notify(
    *,
    customer: Customer,
    notification_type: NotificationType,
    context: dict[str, str],
    reference: str,
    requested_at: datetime,
) -> None:
    """An SMS if the customer chose it and gave a phone, an e-mail otherwise; published in the
    caller's transaction, so the customer is told only of what this quantum has stored."""
    by_sms = customer.notification_preference == NotificationPreference.SMS and customer.phone
    endpoint_for(DATABASE).publish(
        NotificationRequested(
            recipient=Recipient(name=customer.name, email=customer.email, phone=customer.phone),
            channel=Channel.SMS if by_sms else Channel.EMAIL,
            notification_type=notification_type,
            context=context,
            reference=reference,
            requested_at=requested_at,
        )
    )


def address_email(
    *, name: str, email: str, notification_type: NotificationType, context: dict[str, str]
) -> None:
    """An e-mail to an address, whatever its owner's preference: what is said about an e-mail
    address is said to that address, the one place only its owner reads."""
    endpoint_for(DATABASE).publish(
        NotificationRequested(
            recipient=Recipient(name=name, email=email),
            channel=Channel.EMAIL,
            notification_type=notification_type,
            context=context,
            reference="account",
            requested_at=timezone.now(),
        )
    )
