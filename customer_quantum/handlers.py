"""One function per message the customer quantum receives; each calls a service."""

from customer_quantum.services.cards import card_activate, card_reject
from message_contracts.cards import CardRejected, CardVerified


def card_verified(message: CardVerified) -> None:
    card_activate(card_id=message.card_id, verified_at=message.verified_at)


def card_rejected(message: CardRejected) -> None:
    card_reject(card_id=message.card_id, reason=message.reason, rejected_at=message.rejected_at)
