"""One function per message billing receives; each calls a service."""

from billing_quantum.card_keys import CardUnreadable
from billing_quantum.services import (
    billing_account_plan_record,
    card_register,
    card_registration_give_up,
)
from message_contracts.cards import CardRegistered
from message_contracts.support_plans import SupportPlanChosen
from messaging.receiver import Unprocessable


def card_registered(message: CardRegistered) -> None:
    try:
        card_register(registered=message)
    except CardUnreadable as error:
        raise Unprocessable(str(error)) from None


def card_registered_buried(message: CardRegistered, reason: str) -> None:
    card_registration_give_up(card_id=message.card_id)


def support_plan_chosen(message: SupportPlanChosen) -> None:
    billing_account_plan_record(chosen=message)
