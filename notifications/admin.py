from messaging.admin import register_message_tables
from notifications.models import DeadLetter, InboxMessage, OutboxMessage

register_message_tables(OutboxMessage, InboxMessage, DeadLetter)
