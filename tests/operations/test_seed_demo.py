"""`manage.py seed_demo` leaves a catalog the portal can offer at once, and is safe to run again."""

import pytest
from django.core.management import call_command

from customer_quantum.models import Customer
from customer_quantum.models import SupportContract as Replica
from ticketing.models import SupportContract

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_demo_catalog_is_replicated_and_a_second_run_changes_nothing(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out

    call_command("seed_demo")
    second = capsys.readouterr().out

    assert set(Replica.objects.filter(active=True).values_list("code", flat=True)) == {
        "basic",
        "standard",
        "premium",
    }
    assert SupportContract.objects.count() == 3
    assert Customer.objects.count() == 3
    assert "3 new, 0 updated, 0 retired, 0 unchanged" in first
    assert "0 new, 0 updated, 0 retired, 3 unchanged" in second
