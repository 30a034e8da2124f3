from billing_quantum.models import DeadLetter, InboxMessage, OutboxMessage
from messaging.admin import register_message_tables

register_message_tables(OutboxMessage, InboxMessage, DeadLetter)
