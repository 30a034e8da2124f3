"""The customer-facing side keeps working while the broker is down, and nothing is lost meanwhile."""

import pytest

from customer_quantum.models import Ticket as CustomerTicket
from messaging.models import InboxMessage, OutboxMessage
from tests.integration.customers import CustomerAccount
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.processes import wait_until
from tests.integration.servers import RedisServer
from tests.integration.system import RunningSystem, StartSystem
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

# Workers and the scheduler reconnect with a growing back-off, so recovery takes a few seconds.
RECOVERY_TIMEOUT_SECONDS = 60


@pytest.fixture
def system_on_private_redis(private_redis: RedisServer, start_system: StartSystem) -> RunningSystem:
    return start_system(broker_url=private_redis.url)


@pytest.mark.fault("Redis stopped during submissions")
def test_a_ticket_submitted_while_the_broker_is_down_reaches_ticketing_once_it_is_back(
    private_redis: RedisServer,
    system_on_private_redis: RunningSystem,
    customer_account: CustomerAccount,
    fault_report: FaultReport,
) -> None:
    system = system_on_private_redis
    private_redis.stop()

    response = system.submit_ticket(token=customer_account.token, title="TV shows no picture")

    assert response.status_code == 201, response.text
    ticket_id = response.json()["id"]
    fault_report.watch(
        sent=[ticket_id],
        applied=lambda: TicketingTicket.objects.values_list("pk", flat=True),
        inbox=InboxMessage.objects.using("ticketing").all(),
    )
    assert CustomerTicket.objects.filter(pk=ticket_id).exists()
    pending = OutboxMessage.objects.using("customer").get(payload__ticket_id=ticket_id)
    assert pending.sent_at is None
    assert pending.send_attempts >= 1
    assert pending.last_send_error
    assert not TicketingTicket.objects.filter(pk=ticket_id).exists()

    private_redis.start()
    fault_report.cleared()

    wait_until(
        lambda: TicketingTicket.objects.filter(pk=ticket_id).exists(),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="the sweep has sent the ticket and ticketing has stored it",
    )
    wait_until(
        lambda: (
            OutboxMessage.objects.using("customer")
            .filter(pk=pending.pk, sent_at__isnull=False)
            .exists()
        ),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="the customer quantum has marked the message sent",
    )
    wait_until(
        lambda: (
            OutboxMessage.objects.using("customer")
            .filter(pk=pending.pk, confirmed_at__isnull=False)
            .exists()
        ),
        timeout=RECOVERY_TIMEOUT_SECONDS,
        what="ticketing has confirmed the message",
    )
    fault_report.healed()
    assert fault_report.count() == FaultCounts(sent=1, applied=1, lost=0, duplicated=0)
    # Nobody restarted them: they reconnected by themselves.
    for process in system.processes:
        process.require_running()
