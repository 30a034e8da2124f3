"""A row stored through the INSERT compiled once reads back as one stored by `bulk_create`, in one
statement, and fails as `bulk_create` does: the outbox and the inbox of every message go through it."""

import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.compiled_insert import CompiledInsert
from messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db(databases="__all__")

FIELDS = [field.attname for field in OutboxMessage._meta.concrete_fields if not field.primary_key]


def outbox_row(**fields) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage(
        id=uuid.uuid4(),
        type="TicketCreated",
        version=2,
        receiver="ticketing",
        correlation_id=uuid.uuid4(),
        payload={"title": 'Ünïcode — and "quotes"', "tags": [1, None, True], "nested": {"a": []}},
        created_at=now,
        resend_at=now + timedelta(seconds=6),
        **fields,
    )


def test_a_row_reads_back_as_one_bulk_create_stored():
    compiled, by_django = outbox_row(), outbox_row()
    by_django.correlation_id = compiled.correlation_id
    by_django.created_at, by_django.resend_at = compiled.created_at, compiled.resend_at

    CompiledInsert(OutboxMessage).store([compiled], using="customer")
    OutboxMessage.objects.using("customer").bulk_create([by_django])

    stored = OutboxMessage.objects.using("customer")
    first, second = stored.get(pk=compiled.pk), stored.get(pk=by_django.pk)
    assert [getattr(first, name) for name in FIELDS] == [getattr(second, name) for name in FIELDS]
    assert first.payload == compiled.payload
    assert compiled._state.adding is False
    assert compiled._state.db == "customer"


def test_one_row_is_one_statement_and_several_are_one_too():
    insert = CompiledInsert(OutboxMessage)
    with CaptureQueriesContext(connections["customer"]) as statements:
        insert.store([outbox_row()], using="customer")
        insert.store([outbox_row(), outbox_row(), outbox_row()], using="customer")

    assert [query["sql"].split()[0] for query in statements] == ["INSERT", "INSERT"]
    assert OutboxMessage.objects.using("customer").count() == 4


def test_a_key_stored_already_fails_and_the_transaction_keeps_nothing():
    insert = CompiledInsert(OutboxMessage)
    first = outbox_row()
    insert.store([first], using="customer")
    copy = outbox_row()
    copy.id = first.id

    with pytest.raises(IntegrityError), transaction.atomic(using="customer"):
        insert.store([outbox_row()], using="customer")
        insert.store([copy], using="customer")

    assert list(OutboxMessage.objects.using("customer").values_list("id", flat=True)) == [first.id]
