"""`manage.py sync_support_contracts`: ticketing's catalog copied into the customer quantum's replica,
incrementally, idempotently, with deactivated and deleted contracts retired, never deleted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from customer_quantum.models import ReplicaWatermark, SupportPlan
from customer_quantum.models import SupportContract as Replica
from operations.tasks import sync_support_contracts
from tests.customer_quantum.factories import CustomerFactory
from tests.ticketing.factories import SupportContractFactory
from ticketing.models import SupportContract

pytestmark = pytest.mark.django_db(databases="__all__")

REPLICATED = [
    "name",
    "description",
    "monthly_price",
    "currency",
    "response_time_hours",
    "device_categories",
    "active",
]


@pytest.fixture
def sync(capsys):
    """Runs the command; returns what it printed and what it drew on stderr (the progress bar)."""

    def run() -> tuple[str, str]:
        call_command("sync_support_contracts")
        printed = capsys.readouterr()
        return printed.out, printed.err

    return run


def newest_source_change():
    return SupportContract.objects.aggregate(newest=Max("updated_at"))["newest"]


def test_the_first_run_copies_the_whole_catalog(sync):
    SupportContractFactory.create_batch(3)

    out, err = sync()

    for contract in SupportContract.objects.all():
        replica = Replica.objects.get(code=contract.code)
        assert [getattr(replica, f) for f in REPLICATED] == [
            getattr(contract, f) for f in REPLICATED
        ]
        assert replica.source_updated_at == contract.updated_at
    watermark = ReplicaWatermark.objects.get()
    assert watermark.watermark == newest_source_change()
    assert watermark.synced_at is not None
    assert (
        f"3 new, 0 updated, 0 retired, 0 unchanged; watermark {watermark.watermark.isoformat()}"
        in out
    )
    assert err == ""


def test_a_run_with_nothing_new_writes_no_contract(sync):
    SupportContractFactory.create_batch(3)
    sync()
    replicated_at = dict(Replica.objects.values_list("code", "replicated_at"))
    before = ReplicaWatermark.objects.get()

    with CaptureQueriesContext(connections["customer"]) as queries:
        out, _ = sync()

    writes = [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert [sql for sql in writes if "supportcontract" in sql] == []
    # The only write is the time of this sync, which is what staff read the lag from.
    assert len(writes) == 1
    assert "replicawatermark" in writes[0]
    assert dict(Replica.objects.values_list("code", "replicated_at")) == replicated_at
    after = ReplicaWatermark.objects.get()
    assert after.watermark == before.watermark
    assert after.synced_at > before.synced_at
    assert "0 new, 0 updated, 0 retired, 3 unchanged" in out


def test_a_changed_contract_is_rewritten_and_only_it(sync):
    changed, untouched = SupportContractFactory.create_batch(2)
    sync()
    untouched_replicated_at = Replica.objects.get(code=untouched.code).replicated_at

    changed.monthly_price = Decimal("34.50")
    changed.device_categories = ["tablet"]
    changed.save()
    out, _ = sync()

    replica = Replica.objects.get(code=changed.code)
    assert (replica.monthly_price, replica.device_categories) == (Decimal("34.50"), ["tablet"])
    assert replica.source_updated_at == changed.updated_at
    assert Replica.objects.get(code=untouched.code).replicated_at == untouched_replicated_at
    assert ReplicaWatermark.objects.get().watermark == changed.updated_at
    assert "0 new, 1 updated, 0 retired, 1 unchanged" in out


def test_a_contract_deactivated_at_the_source_is_retired(sync):
    contract = SupportContractFactory()
    sync()

    contract.active = False
    contract.save()
    out, _ = sync()

    assert Replica.objects.get(code=contract.code).active is False
    assert "0 new, 0 updated, 1 retired, 0 unchanged" in out


def test_a_contract_deleted_at_the_source_is_retired_and_kept_for_the_plans_naming_it(sync):
    kept, deleted = SupportContractFactory.create_batch(2)
    sync()
    plan = SupportPlan.objects.create(
        customer=CustomerFactory(),
        contract=Replica.objects.get(code=deleted.code),
        monthly_price=deleted.monthly_price,
        currency=deleted.currency,
    )

    code = deleted.code
    deleted.delete()
    out, _ = sync()

    assert Replica.objects.get(code=code).active is False
    assert Replica.objects.get(code=kept.code).active is True
    assert SupportPlan.objects.get(pk=plan.pk).contract_id == code
    assert "0 new, 0 updated, 1 retired, 1 unchanged" in out

    out, _ = sync()
    assert "0 new, 0 updated, 0 retired, 1 unchanged" in out


def test_a_retired_contract_comes_back_when_reactivated(sync):
    contract = SupportContractFactory(active=False)
    sync()

    contract.active = True
    contract.save()
    out, _ = sync()

    assert Replica.objects.get(code=contract.code).active is True
    assert "0 new, 1 updated, 0 retired, 0 unchanged" in out


def test_a_contract_saved_in_the_instant_of_the_watermark_is_not_missed(sync):
    SupportContractFactory()
    sync()
    watermark = ReplicaWatermark.objects.get().watermark

    # Saved in the same instant as the newest contract, but committed after the last run read it.
    straggler = SupportContractFactory()
    SupportContract.objects.filter(pk=straggler.pk).update(updated_at=watermark)
    out, _ = sync()

    assert Replica.objects.filter(code=straggler.code).exists()
    assert "1 new, 0 updated, 0 retired, 1 unchanged" in out


def test_a_contract_committed_after_a_run_that_passed_its_timestamp_is_not_missed(sync):
    SupportContractFactory()
    sync()
    watermark = ReplicaWatermark.objects.get().watermark

    straggler = SupportContractFactory()
    SupportContract.objects.filter(pk=straggler.pk).update(
        updated_at=watermark - timedelta(seconds=20)
    )
    sync()

    assert Replica.objects.filter(code=straggler.code).exists()
    assert ReplicaWatermark.objects.get().watermark == watermark


def test_a_large_catalog_saved_in_one_instant_is_copied_page_by_page_with_a_progress_bar(sync):
    SupportContract.objects.bulk_create(SupportContractFactory.build_batch(2500))
    # Every page boundary falls inside a group of contracts sharing one timestamp.
    SupportContract.objects.update(updated_at=newest_source_change())

    out, err = sync()

    assert Replica.objects.count() == 2500
    assert "2500 new, 0 updated, 0 retired, 0 unchanged" in out
    assert "2500/2500" in err

    contract = SupportContract.objects.order_by("code").last()
    contract.name = "Renamed"
    contract.save()
    out, _ = sync()
    assert Replica.objects.get(code=contract.code).name == "Renamed"
    assert "0 new, 1 updated, 0 retired, 2499 unchanged" in out


def test_the_scheduled_task_brings_the_replica_up_to_date():
    contract = SupportContractFactory()

    sync_support_contracts()

    assert Replica.objects.get(code=contract.code).name == contract.name


def test_the_scheduler_runs_the_sync_on_the_customer_queue(settings):
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == sync_support_contracts.name
    )

    assert entry["options"]["queue"] == "customer"
    assert entry["schedule"] == settings.SUPPORT_CONTRACT_SYNC_INTERVAL_SECONDS
