"""The customer quantum's read queries."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from config.compiled_reads import CompiledRead
from customer_quantum.models import (
    Customer,
    ReplicaWatermark,
    SupportContract,
    SupportPlan,
    SurveyInvitation,
    Ticket,
    TicketStatusChange,
)

# Read at every signed-in API request and portal page: compiled once (config/compiled_reads.py).
_customer_of_user = CompiledRead(
    lambda user_id: Customer.objects.filter(user_id=user_id)[:1], placeholder=987_654_321
)


def customer_of_user(user_id: int | None) -> Customer | None:
    if user_id is None:
        return None
    found = _customer_of_user(user_id)
    return found[0] if found else None


def tickets_of(customer: Customer) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer=customer)


def support_contracts_offered() -> QuerySet[SupportContract]:
    return SupportContract.objects.filter(active=True)


def support_plan_of(customer: Customer) -> SupportPlan | None:
    return SupportPlan.objects.select_related("contract").filter(customer=customer).first()


def ticket_timeline(ticket: Ticket) -> QuerySet[TicketStatusChange]:
    """The status changes of a ticket in the order ticketing made them, whatever order they came in."""
    return TicketStatusChange.objects.filter(ticket=ticket).order_by("sequence")


def survey_invitation_open(ticket: Ticket) -> SurveyInvitation | None:
    """The ticket's survey if the customer can still answer it: unused and not expired."""
    return SurveyInvitation.objects.filter(
        ticket=ticket, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def replica_synced_at(table: str) -> datetime | None:
    """When the replication job last ran for a replicated table; None if it never has."""
    return ReplicaWatermark.objects.filter(table=table).values_list("synced_at", flat=True).first()
