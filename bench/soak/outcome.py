"""What each accepted operation became, read in the receiving quanta's own databases once every
outbox is confirmed. Like the benchmarks, the soak is a harness: it may read every quantum. Django
must be set up (on the soak's settings) before this module is imported.

An operation is **applied once** when its effect is found exactly once where it lands, **lost** when
it is not found, and every effect beyond one is **duplicated**:

| operation | its effect, found in |
|---|---|
| ticket | ticketing's ticket with the customer's ticket id (a title of its own, so a second copy would show) |
| card | billing's card for the customer's card id (a holder name of its own), and the customer's summary `active` |
| plan | the one `SupportPlanChosen` the request stored (its correlation id), applied by billing's inbox; the customer's last choice is its billing account's plan |
| expert step | the customer's timeline entry for that step (accepted, in progress, completed) |
| survey | analytics' survey answer for the ticket |
"""

from collections import Counter, defaultdict

from django.contrib.auth import get_user_model

from analytics.models import SurveyResponse
from bench.soak.workload import CARD, EXPERT_STEP, KINDS, PLAN, SURVEY, TICKET, Operation
from billing_quantum.models import BillingAccount, Card
from customer_quantum.models import CardStatus, CardSummary, Customer, TicketStatusChange
from messaging.endpoint import endpoints
from messaging.models import DeadLetter, InboxMessage, OutboxMessage
from ticketing.models import Ticket

STEP_PROGRESS = {"accept": "accepted", "start": "in_progress", "complete": "completed"}


def unconfirmed_messages() -> int:
    """Messages of every quantum its receiver has not yet confirmed (applied, or buried)."""
    return sum(
        OutboxMessage.objects.using(endpoint.quantum).filter(confirmed_at__isnull=True).count()
        for endpoint in endpoints()
    )


def dead_letters() -> dict[str, int]:
    return {
        endpoint.quantum: DeadLetter.objects.using(endpoint.quantum).count()
        for endpoint in endpoints()
    }


def ticket_effects(operations: list[Operation]) -> list[int]:
    rows = Ticket.objects.filter(title__in=[o.detail["title"] for o in operations]).values_list(
        "title", "id"
    )
    copies = Counter(title for title, _ in rows)
    received = {(title, str(ticket_id)) for title, ticket_id in rows}
    return [
        copies[o.detail["title"]] if (o.detail["title"], o.subject) in received else 0
        for o in operations
    ]


def card_effects(operations: list[Operation]) -> list[int]:
    holders = [o.detail["holder_name"] for o in operations]
    stored = Counter(
        Card.objects.filter(holder_name__in=holders).values_list("holder_name", flat=True)
    )
    in_billing = {
        str(card_id)
        for card_id in Card.objects.filter(holder_name__in=holders).values_list(
            "card_id", flat=True
        )
    }
    active = {
        str(card_id)
        for card_id in CardSummary.objects.filter(
            pk__in=[o.subject for o in operations], status=CardStatus.ACTIVE
        ).values_list("pk", flat=True)
    }
    return [
        stored[o.detail["holder_name"]] if o.subject in in_billing and o.subject in active else 0
        for o in operations
    ]


def plan_effects(operations: list[Operation]) -> list[int]:
    sent = defaultdict(list)
    for message_id, correlation_id in (
        OutboxMessage.objects.using("customer")
        .filter(
            type="SupportPlanChosen",
            correlation_id__in=[o.detail["correlation_id"] for o in operations],
        )
        .values_list("id", "correlation_id")
    ):
        sent[str(correlation_id)].append(message_id)
    applied = set(
        InboxMessage.objects.using("billing")
        .filter(message_id__in=[m for ids in sent.values() for m in ids], applied_at__isnull=False)
        .values_list("message_id", flat=True)
    )
    effects = [
        len(sent[o.detail["correlation_id"]])
        if any(m in applied for m in sent[o.detail["correlation_id"]])
        else 0
        for o in operations
    ]
    # The receiver's state must be the customer's last choice, not an older one applied later.
    user_ids = dict(get_user_model().objects.values_list("username", "id"))
    customer_ids = dict(Customer.objects.values_list("user_id", "id"))
    billed_plan = dict(BillingAccount.objects.values_list("customer_id", "contract_code"))
    last_of = {o.subject: n for n, o in enumerate(operations)}
    for username, n in last_of.items():
        customer_id = customer_ids.get(user_ids.get(username))
        if billed_plan.get(customer_id) != operations[n].detail["contract_code"]:
            effects[n] = 0
    return effects


def step_effects(operations: list[Operation]) -> list[int]:
    found = Counter(
        (str(ticket_id), status)
        for ticket_id, status in TicketStatusChange.objects.filter(
            ticket_id__in={o.subject for o in operations}
        ).values_list("ticket_id", "status")
    )
    return [found[(o.subject, STEP_PROGRESS[o.detail["step"]])] for o in operations]


def survey_effects(operations: list[Operation]) -> list[int]:
    found = Counter(
        str(ticket_id)
        for ticket_id in SurveyResponse.objects.filter(
            ticket_id__in=[o.subject for o in operations]
        ).values_list("ticket_id", flat=True)
    )
    return [found[o.subject] for o in operations]


EFFECTS = {
    TICKET: ticket_effects,
    CARD: card_effects,
    PLAN: plan_effects,
    EXPERT_STEP: step_effects,
    SURVEY: survey_effects,
}


def counts(operations: list[Operation]) -> dict[str, dict[str, int]]:
    """Per kind and in total: sent, accepted (2xx), refused (any other answer, or none), applied
    once, lost and duplicated."""
    table = {}
    for kind in KINDS:
        sent = [o for o in operations if o.kind == kind]
        accepted = [o for o in sent if o.accepted]
        effects = EFFECTS[kind](accepted) if accepted else []
        table[kind] = {
            "sent": len(sent),
            "accepted": len(accepted),
            "refused": len(sent) - len(accepted),
            "applied_once": sum(1 for e in effects if e == 1),
            "lost": sum(1 for e in effects if e == 0),
            "duplicated": sum(e - 1 for e in effects if e > 1),
        }
    table["total"] = {
        column: sum(row[column] for row in table.values()) for column in next(iter(table.values()))
    }
    return table
