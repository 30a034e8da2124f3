"""Analytics' write use cases: storing the facts other quanta replicate to it.

A fact keeps its message's fields under the same names, so a message fills its row as it is."""

from analytics.apps import DATABASE
from analytics.models import PaymentFact, SurveyResponse, TicketEvent, TicketFact
from message_contracts.invoices import PaymentRecorded
from message_contracts.surveys import SurveySubmitted
from message_contracts.tickets import TicketLifecycleRecorded, TicketStep
from messaging.receiver import delivery_transaction


def payment_fact_record(*, recorded: PaymentRecorded) -> PaymentFact:
    """Stores the fact once; the same payment attempt again changes nothing."""
    fact, _ = PaymentFact.objects.get_or_create(
        payment_id=recorded.payment_id,
        attempt=recorded.attempt,
        defaults=recorded.model_dump(exclude={"payment_id", "attempt"}),
    )
    return fact


def survey_response_record(*, submitted: SurveySubmitted) -> SurveyResponse:
    """Stores the answer once per invitation; the same survey again changes nothing."""
    response, _ = SurveyResponse.objects.get_or_create(
        survey_id=submitted.survey_id, defaults=submitted.model_dump(exclude={"survey_id"})
    )
    return response


def ticket_step_record(*, recorded: TicketLifecycleRecorded) -> TicketFact:
    """Stores the step once and folds it into the ticket's fact. Each step only ever adds what it
    knows (a first assignment keeps the earliest time; the current step is the highest sequence
    seen), so the steps give the same fact in any order."""
    with delivery_transaction(DATABASE):
        # The fact first, stored if it is new and then locked: two steps of one ticket applied at
        # the same time take turns here, so whether this step is known is read exactly below.
        # Not `get_or_create`: its first read and its savepoint cost four statements a step.
        new_fact = TicketFact(
            ticket_id=recorded.ticket_id,
            **recorded.model_dump(
                include={"priority", "device_category", "submitted_at", "step", "sequence"}
            ),
        )
        TicketFact.objects.bulk_create([new_fact], ignore_conflicts=True)
        fact = TicketFact.objects.select_for_update().get(ticket_id=recorded.ticket_id)
        step = TicketEvent.objects.filter(ticket_id=recorded.ticket_id, sequence=recorded.sequence)
        if not step.exists():
            TicketEvent.objects.create(
                ticket_id=recorded.ticket_id,
                sequence=recorded.sequence,
                **recorded.model_dump(include={"step", "occurred_at", "expert_id", "expert_name"}),
            )
            _step_folded(fact, recorded)
            fact.save()
    return fact


def _step_folded(fact: TicketFact, recorded: TicketLifecycleRecorded) -> None:
    if recorded.sequence >= fact.sequence:
        fact.step, fact.sequence = recorded.step, recorded.sequence
    if recorded.step == TicketStep.ASSIGNED and (
        fact.first_assigned_at is None or recorded.occurred_at < fact.first_assigned_at
    ):
        fact.first_assigned_at = recorded.occurred_at
        fact.seconds_to_assign = _seconds_between(fact.submitted_at, recorded.occurred_at)
    if recorded.step == TicketStep.COMPLETED:
        fact.completed_at = recorded.occurred_at
        fact.seconds_to_resolve = _seconds_between(fact.submitted_at, recorded.occurred_at)
        fact.resolved_by_expert_id = recorded.expert_id
        fact.resolved_by_expert_name = recorded.expert_name


def _seconds_between(start, end) -> int:
    return max(0, round((end - start).total_seconds()))
