"""The architecture is what the build enforces: quanta import nothing of each other, keep their
tables in their own database, and hold no key into another one."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connections, router
from django.test.utils import CaptureQueriesContext

from config.database_router import IDENTITY_DATABASE, UnroutedKernelQuery
from customer_quantum.models import Customer
from customer_quantum.models import Ticket as CustomerTicket
from messaging.models import OutboxMessage
from tests.customer_quantum.factories import CustomerFactory
from ticketing.models import Ticket as TicketingTicket

pytestmark = pytest.mark.architecture

QUANTUM_APPS = ["customer_quantum", "billing_quantum", "ticketing", "analytics", "notifications"]


def quantum_models():
    return [model for label in QUANTUM_APPS for model in apps.get_app_config(label).get_models()]


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")

    result = subprocess.run(
        [lint_imports], capture_output=True, text=True, check=False, cwd=settings.BASE_DIR
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_each_quantum_has_a_database_of_its_own():
    databases = [apps.get_app_config(label).database for label in QUANTUM_APPS]

    assert sorted(databases) == sorted(settings.QUANTA)
    assert set(settings.DATABASES) == {IDENTITY_DATABASE, *settings.QUANTA}


@pytest.mark.parametrize("model", quantum_models(), ids=lambda model: model._meta.label)
def test_a_quantums_models_live_and_migrate_only_in_its_database(model):
    own = model._meta.app_config.database

    assert router.db_for_read(model) == router.db_for_write(model) == own
    migrated_into = [
        alias for alias in settings.DATABASES if router.allow_migrate_model(alias, model)
    ]
    assert migrated_into == [own]


@pytest.mark.parametrize(
    "model",
    list(apps.get_app_config("messaging").get_models()),
    ids=lambda model: model._meta.label,
)
def test_the_kernels_tables_migrate_into_every_quantums_database_and_not_identitys(model):
    migrated_into = [
        alias for alias in settings.DATABASES if router.allow_migrate_model(alias, model)
    ]

    assert sorted(migrated_into) == sorted(settings.QUANTA)


@pytest.mark.django_db(databases="__all__")
def test_a_query_of_a_kernel_table_that_names_no_quantum_is_refused():
    with pytest.raises(UnroutedKernelQuery, match=r"name one with \.using"):
        OutboxMessage.objects.exists()
    with pytest.raises(UnroutedKernelQuery):
        OutboxMessage.objects.update(resend_at=None)

    assert not OutboxMessage.objects.using("customer").exists()


def test_no_relation_leaves_its_database():
    crossing = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and field.related_model is not None
        and router.db_for_write(model) != router.db_for_write(field.related_model)
    ]

    assert crossing == []


@pytest.mark.django_db(databases="__all__")
def test_the_router_refuses_to_relate_objects_of_two_quanta():
    customer = Customer(user_id=1, name="Alice", email="alice@example.com")
    foreign_ticket = TicketingTicket()

    assert router.allow_relation(customer, foreign_ticket) is False
    assert router.allow_relation(customer, CustomerTicket()) is True


@pytest.mark.django_db(databases="__all__")
def test_a_query_across_two_databases_fails_loudly():
    identities = get_user_model().objects.values("id")

    # The subquery runs in the customer database, where identity's tables do not exist.
    with pytest.raises(DatabaseError, match="auth_user"):
        list(Customer.objects.filter(user_id__in=identities))


@pytest.mark.django_db(databases="__all__")
def test_a_quantums_tables_do_not_exist_in_another_database():
    with pytest.raises(DatabaseError):
        Customer.objects.using("ticketing").exists()


@pytest.mark.django_db(databases="__all__")
def test_a_customer_request_touches_only_the_customer_and_identity_databases(client):
    customer = CustomerFactory()
    client.force_login(get_user_model().objects.get(pk=customer.user_id))
    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in settings.DATABASES}
    for context in captured.values():
        context.__enter__()
    try:
        submitted = client.post(
            "/api/customer/tickets/",
            {"title": "Fridge is warm", "device_category": "appliance"},
            content_type="application/json",
        )
        listed = client.get("/api/customer/tickets/")
    finally:
        for context in captured.values():
            context.__exit__(None, None, None)

    assert (submitted.status_code, listed.status_code) == (201, 200)
    touched = {alias for alias, context in captured.items() if context.captured_queries}
    assert touched == {IDENTITY_DATABASE, "customer"}
