"""Every model change ships with its migration: a quantum's schema is what its migrations say."""

import pytest
from django.core.management import call_command


# makemigrations reads each database's migration history to check it is consistent.
@pytest.mark.django_db(databases="__all__")
def test_no_model_change_is_missing_a_migration():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit:
        pytest.fail("a model changed without a migration: run makemigrations")
