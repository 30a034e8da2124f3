"""Two replication runs at once (two schedulers, or an operator beside the scheduler) leave the
replica exactly as one run would: each contract inserted once, the watermark moved once."""

import re
import subprocess
import sys

import pytest
from django.conf import settings

from customer_quantum.models import SupportContract as ReplicatedContract
from tests.integration.fault_report import FaultCounts, FaultReport
from tests.integration.system import REPOSITORY, system_environment
from tests.ticketing.factories import SupportContractFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

CATALOG = 1_200  # several export pages, so the two runs interleave


@pytest.mark.fault("two runs of one periodic job at once")
def test_two_replication_runs_at_once_insert_each_contract_once(
    tmp_path, fault_report: FaultReport
) -> None:
    catalog = SupportContractFactory.create_batch(CATALOG)
    fault_report.watch(
        sent=[contract.code for contract in catalog],
        applied=lambda: ReplicatedContract.objects.filter(active=True).values_list(
            "code", flat=True
        ),
    )
    env = system_environment(
        broker_url=settings.CELERY_BROKER_URL,
        broker_key_prefix="",
        var_dir=tmp_path / "var",
        overrides={},
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "sync_support_contracts", "--verbosity", "0"],
            cwd=REPOSITORY,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    inserted = [int(re.search(r"(\d+) new", stdout).group(1)) for stdout, _ in outputs]
    assert sum(inserted) == CATALOG
    assert fault_report.count() == FaultCounts(sent=CATALOG, applied=CATALOG, lost=0, duplicated=0)
    assert ReplicatedContract.objects.filter(active=True).count() == CATALOG
