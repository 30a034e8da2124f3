"""Two assignment runs at once on PostgreSQL: every ticket is assigned at most once and no expert
takes more than their capacity."""

import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from messaging.models import OutboxMessage
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.system import (
    COMMAND_TIMEOUT_SECONDS,
    REPOSITORY,
    system_environment,
    venv_command,
)
from ticketing.models import Assignment, Expert, Ticket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

TICKETS = 1500
EXPERTS = 100
CAPACITY = 5  # 500 places for 1,500 tickets: both runs compete for the last ones


@pytest.mark.fault("two runs of one periodic job at once")
def test_two_runs_at_once_never_assign_a_ticket_twice_nor_overfill_an_expert(
    session_key_prefix: str, tmp_path: Path, fault_report: FaultReport
) -> None:
    Expert.objects.bulk_create(
        Expert(
            user_id=n, name=f"Expert {n}", skills=["phone"], region="Springfield", capacity=CAPACITY
        )
        for n in range(1, EXPERTS + 1)
    )
    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            id=uuid.uuid4(),
            customer_id=n,
            customer_name=f"Customer {n}",
            customer_region="Springfield",
            title=f"Phone {n}",
            device_category="phone",
            priority="normal",
            submitted_at=now,
        )
        for n in range(TICKETS)
    )
    # Each ticket ends in one place: assigned once, or still queued for the next run.
    fault_report.watch(
        sent=[ticket.id for ticket in tickets],
        applied=lambda: [
            *Assignment.objects.filter(status__in=Assignment.OPEN).values_list(
                "ticket_id", flat=True
            ),
            *Ticket.objects.filter(status="new").values_list("pk", flat=True),
        ],
    )
    env = system_environment(
        broker_url=settings.CELERY_BROKER_URL,
        broker_key_prefix=f"{session_key_prefix}{uuid.uuid4().hex[:8]}:",
        var_dir=tmp_path / "var",
        overrides={},
    )

    def assign_tickets() -> subprocess.Popen:
        return subprocess.Popen(
            [*venv_command("python", "manage.py"), "assign_tickets"],
            cwd=REPOSITORY,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    runs = [assign_tickets(), assign_tickets()]
    outputs = [run.communicate(timeout=COMMAND_TIMEOUT_SECONDS * 3) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    open_assignments = Assignment.objects.filter(status__in=Assignment.OPEN)
    assert fault_report.count() == FaultCounts(sent=TICKETS, applied=TICKETS, lost=0, duplicated=0)
    assert not open_assignments.values("ticket").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Ticket.objects.filter(status="assigned").count() == open_assignments.count()
    held = Expert.objects.annotate(
        held=Count("assignments", filter=Q(assignments__status__in=Assignment.OPEN))
    )
    assert all(expert.held == expert.open_assignments <= CAPACITY for expert in held)
    assert (
        OutboxMessage.objects.using("ticketing").filter(type="TicketStatusChanged").count()
        == open_assignments.count()
    )

    # A ticket one run found locked by the other is not lost: it is still queued for the next run.
    last = assign_tickets()
    assert last.wait(timeout=COMMAND_TIMEOUT_SECONDS * 3) == 0, last.communicate()
    assert open_assignments.count() == EXPERTS * CAPACITY
    assert Ticket.objects.filter(status="new").count() == TICKETS - EXPERTS * CAPACITY
