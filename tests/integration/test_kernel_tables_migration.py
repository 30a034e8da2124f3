"""A database from before the kernel's tables moved to the messaging app keeps its rows: the
customer database is migrated back to where the quantum had its own outbox, inbox, dead letters,
replays and job runs, given a row in each, then migrated forward. The rows are in the messaging
tables with their keys, the quantum's own tables are gone, and a new dead letter gets a key of its
own (PostgreSQL's sequence moved past the copied keys)."""

import uuid

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from messaging.models import DeadLetter, DeadLetterReplay, InboxMessage, JobRun, OutboxMessage

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases=["default", "customer"]),
]

DATABASE = "customer"
OWN_TABLES = ("customer_quantum", "0013_list_orderings_indexed")
OLD_TABLE_NAMES = {
    "customer_quantum_outboxmessage",
    "customer_quantum_inboxmessage",
    "customer_quantum_deadletter",
    "customer_quantum_deadletterreplay",
    "customer_quantum_jobrun",
}


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connections[DATABASE])
    executor.migrate(targets)
    return executor


def old_rows_stored(executor: MigrationExecutor) -> dict:
    old = executor.loader.project_state([OWN_TABLES], at_end=True).apps
    now = timezone.now()
    message_id = uuid.uuid4()

    def table(name: str):
        return old.get_model("customer_quantum", name).objects.using(DATABASE)

    table("OutboxMessage").create(
        id=message_id,
        type="TicketCreated",
        version=2,
        receiver="ticketing",
        correlation_id=message_id,
        payload={"title": "Printer on fire"},
        created_at=now,
        resend_at=now,
    )
    table("InboxMessage").create(
        message_id=message_id,
        type="TicketStatusChanged",
        sender="ticketing",
        correlation_id=message_id,
        first_received_at=now,
        deliveries=2,
        applied_at=now,
        confirmation_due=True,
    )
    letter = table("DeadLetter").create(
        id=41,
        message_id=message_id,
        type="InvoiceIssued",
        sender="billing",
        envelope={"id": str(message_id)},
        error="RuntimeError: kept failing",
        deliveries=5,
        dead_since=now,
    )
    table("DeadLetterReplay").create(
        letter_id=letter.pk,
        message_id=message_id,
        type="InvoiceIssued",
        requested_by="admin",
        requested_at=now,
        outcome="still fails",
    )
    table("JobRun").create(job="messaging.prune", started_at=now, finished_at=now, succeeded=True)
    return {"message_id": message_id, "letter_id": letter.pk}


def test_a_quantums_kernel_rows_survive_the_move_to_the_messaging_tables():
    before = migrate([OWN_TABLES, ("messaging", None)])
    stored = old_rows_stored(before)

    migrate(before.loader.graph.leaf_nodes())

    message_id, letter_id = stored["message_id"], stored["letter_id"]
    sent = OutboxMessage.objects.using(DATABASE).get()
    assert (sent.id, sent.payload, sent.confirmed_at) == (
        message_id,
        {"title": "Printer on fire"},
        None,
    )
    received = InboxMessage.objects.using(DATABASE).get()
    assert (received.message_id, received.deliveries, received.confirmation_due) == (
        message_id,
        2,
        True,
    )
    letter = DeadLetter.objects.using(DATABASE).get()
    assert (letter.pk, letter.error) == (letter_id, "RuntimeError: kept failing")
    replay = DeadLetterReplay.objects.using(DATABASE).get()
    assert (replay.letter_id, replay.outcome) == (letter_id, "still fails")
    assert JobRun.objects.using(DATABASE).get().job == "messaging.prune"

    with connections[DATABASE].cursor() as cursor:
        tables = set(connections[DATABASE].introspection.table_names(cursor))
    assert not tables & OLD_TABLE_NAMES
    fresh = MigrationExecutor(connections[DATABASE])
    assert not fresh.migration_plan(fresh.loader.graph.leaf_nodes())

    newer = DeadLetter.objects.using(DATABASE).create(
        type="InvoiceIssued",
        sender="billing",
        envelope={},
        error="RuntimeError: failed too",
        deliveries=5,
        dead_since=timezone.now(),
    )
    assert newer.pk > letter_id
