"""Billing's end of the message bus: which handler applies each message it receives."""

from billing_quantum import handlers
from message_contracts.cards import CardRegistered
from message_contracts.support_plans import SupportPlanChosen
from messaging.endpoint import Endpoint

endpoint = Endpoint(
    app_label="billing_quantum",
    handlers={
        CardRegistered: handlers.card_registered,
        SupportPlanChosen: handlers.support_plan_chosen,
    },
    # A card billing gives up on would otherwise stay `pending` for the customer forever.
    on_burial={CardRegistered: handlers.card_registered_buried},
)
