"""The assignment job gives each queued ticket the right expert, most urgent and oldest first."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.models import OutboxMessage
from tests.ticketing.factories import ExpertFactory, TicketFactory
from ticketing import jobs
from ticketing.jobs import tickets_assign
from ticketing.models import Assignment, Expert, Ticket, UnassignedTicketAlert
from ticketing.tasks import assign_tickets

pytestmark = pytest.mark.django_db(databases=["default", "ticketing"])


def expert_of(ticket: Ticket) -> Expert | None:
    assignment = Assignment.objects.filter(ticket=ticket).first()
    return assignment.expert if assignment else None


def test_a_ticket_goes_to_an_expert_who_repairs_that_device():
    ExpertFactory(name="Camera only", skills=["camera"])
    phones = ExpertFactory(name="Phones", skills=["phone"])
    ticket = TicketFactory(device_category="phone")

    run = tickets_assign()

    assert run.assigned == 1
    assert expert_of(ticket) == phones
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ASSIGNED


def test_a_ticket_goes_to_an_expert_of_the_customers_region_whatever_the_case():
    ExpertFactory(name="Far away", region="Shelbyville")
    local = ExpertFactory(name="Local", region="springfield ")
    ticket = TicketFactory(customer_region="Springfield")

    tickets_assign()

    assert expert_of(ticket) == local


def test_a_ticket_without_a_region_may_go_to_any_region():
    anywhere = ExpertFactory(region="Shelbyville")
    ticket = TicketFactory(customer_region="")

    tickets_assign()

    assert expert_of(ticket) == anywhere


def test_the_least_loaded_expert_is_chosen_and_a_full_or_unavailable_one_never():
    ExpertFactory(name="Full", capacity=2, open_assignments=2)
    ExpertFactory(name="On leave", available=False)
    busy = ExpertFactory(name="Busy", capacity=4, open_assignments=2)
    idle = ExpertFactory(name="Idle", capacity=4, open_assignments=1)
    first, second = TicketFactory(), TicketFactory()

    tickets_assign()

    assert expert_of(first) == idle
    # Idle now holds 2 of 4 like Busy; equal load goes to the expert with fewer open assignments.
    assert expert_of(second) in {idle, busy}
    assert Expert.objects.get(name="Full").open_assignments == 2
    assert sum(e.open_assignments for e in Expert.objects.filter(name__in=["Busy", "Idle"])) == 5


def test_a_run_spreads_the_tickets_by_load_and_fills_nobody_past_capacity():
    first = ExpertFactory(name="First", capacity=4)
    second = ExpertFactory(name="Second", capacity=4)
    small = ExpertFactory(name="Small", capacity=2)
    TicketFactory.create_batch(11)

    run = tickets_assign()

    # Each ticket to the lowest share taken, then fewest open, then the oldest expert: the small
    # expert reaches half its capacity after one ticket, so it takes every third until full.
    assert (run.assigned, run.still_queued) == (10, 1)
    loads = dict(Expert.objects.values_list("name", "open_assignments"))
    assert loads == {first.name: 4, second.name: 4, small.name: 2}
    assert Assignment.objects.filter(expert=small).count() == 2


def test_urgent_tickets_go_first_then_the_oldest():
    ExpertFactory(capacity=2)
    now = timezone.now()
    old_normal = TicketFactory(priority="normal", submitted_at=now - timedelta(hours=3))
    older_low = TicketFactory(priority="low", submitted_at=now - timedelta(hours=9))
    new_urgent = TicketFactory(priority="urgent", submitted_at=now)
    newer_normal = TicketFactory(priority="normal", submitted_at=now - timedelta(hours=1))

    run = tickets_assign()

    assigned = set(Assignment.objects.values_list("ticket_id", flat=True))
    assert assigned == {new_urgent.pk, old_normal.pk}
    assert run.still_queued == 2
    assert {older_low.pk, newer_normal.pk}.isdisjoint(assigned)


def test_each_assignment_tells_the_customer_quantum_who_comes_and_when():
    ExpertFactory(name="Ada Expert")
    ticket = TicketFactory(priority="urgent")

    tickets_assign()

    message = OutboxMessage.objects.using("ticketing").get(receiver="customer")
    assert message.type == "TicketStatusChanged"
    assert message.payload["ticket_id"] == str(ticket.pk)
    assert (message.payload["sequence"], message.payload["status"]) == (1, "assigned")
    assert message.payload["expert_name"] == "Ada Expert"
    assignment = Assignment.objects.get()
    assert assignment.expected_arrival == assignment.assigned_at + timedelta(hours=4)


def test_a_run_reads_the_queue_a_batch_at_a_time_and_misses_no_ticket(monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    ExpertFactory(capacity=10)
    same_moment = timezone.now() - timedelta(minutes=5)
    tied = TicketFactory.create_batch(5, submitted_at=same_moment)
    unassignable = TicketFactory(device_category="television", submitted_at=same_moment)
    later = TicketFactory.create_batch(2)

    run = tickets_assign()

    assert (run.assigned, run.still_queued) == (7, 1)
    assert all(expert_of(ticket) is not None for ticket in [*tied, *later])
    assert expert_of(unassignable) is None


def test_an_unassignable_ticket_stays_queued_and_is_assigned_by_a_later_run():
    ticket = TicketFactory(device_category="television")

    first = tickets_assign()
    ExpertFactory(skills=["television"])
    second = tickets_assign()

    assert (first.assigned, first.still_queued) == (0, 1)
    assert (second.assigned, second.still_queued) == (1, 0)
    assert expert_of(ticket) is not None


def test_a_ticket_queued_too_long_raises_one_alert_resolved_once_it_is_assigned(settings):
    settings.ASSIGNMENT_ALERT_AFTER_MINUTES = 30
    waiting = TicketFactory(submitted_at=timezone.now() - timedelta(minutes=31))
    TicketFactory(submitted_at=timezone.now() - timedelta(minutes=5))

    first = tickets_assign()
    second = tickets_assign()

    assert (first.alerts_raised, second.alerts_raised) == (1, 0)
    alert = UnassignedTicketAlert.objects.get()
    assert (alert.ticket, alert.resolved_at) == (waiting, None)

    ExpertFactory()
    tickets_assign()

    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_the_database_refuses_a_second_open_assignment_of_a_ticket():
    ticket = TicketFactory()
    first, second = ExpertFactory(), ExpertFactory()
    now = timezone.now()
    Assignment.objects.create(ticket=ticket, expert=first, assigned_at=now, expected_arrival=now)

    with pytest.raises(IntegrityError), transaction.atomic(using="ticketing"):
        Assignment.objects.create(
            ticket=ticket, expert=second, assigned_at=now, expected_arrival=now
        )


def test_the_command_prints_a_summary(capsys):
    ExpertFactory()
    TicketFactory()
    TicketFactory(device_category="camera")

    call_command("assign_tickets")

    assert "1 assigned, 1 still queued, 0 new alerts" in capsys.readouterr().out


def test_the_scheduler_runs_the_job_on_ticketings_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["assign-tickets"]

    assert entry["task"] == assign_tickets.name
    assert entry["schedule"] == settings.ASSIGNMENT_INTERVAL_SECONDS == 60
    assert entry["options"]["queue"] == "ticketing"
