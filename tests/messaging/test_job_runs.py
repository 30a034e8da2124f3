"""Each periodic job records its last run in the database of the quantum it works in."""

import pytest

from messaging.job_runs import job_run_recorded
from messaging.models import JobRun
from messaging.tasks import sweep_outbox

pytestmark = pytest.mark.django_db(databases="__all__")


def test_a_run_that_ends_is_recorded_as_succeeded():
    with job_run_recorded("billing", "billing.run_payment_job"):
        started = JobRun.objects.using("billing").get()
        assert started.finished_at is None
        assert started.succeeded is None

    run = JobRun.objects.using("billing").get()
    assert run.job == "billing.run_payment_job"
    assert run.succeeded is True
    assert run.finished_at >= run.started_at


def test_a_run_that_raises_is_recorded_as_failed_and_the_error_goes_on():
    with pytest.raises(ZeroDivisionError), job_run_recorded("billing", "billing.run_payment_job"):
        1 / 0  # noqa: B018 - the job's failure

    run = JobRun.objects.using("billing").get()
    assert run.succeeded is False
    assert run.error == "ZeroDivisionError: division by zero"


def test_the_next_run_overwrites_the_last_one():
    with pytest.raises(ZeroDivisionError), job_run_recorded("billing", "billing.run_payment_job"):
        1 / 0  # noqa: B018 - the job's failure
    with job_run_recorded("billing", "billing.run_payment_job"):
        pass

    run = JobRun.objects.using("billing").get()
    assert (run.succeeded, run.error) == (True, "")


def test_a_scheduled_task_records_its_run_in_its_own_quantum():
    sweep_outbox("ticketing")

    assert JobRun.objects.using("ticketing").get().job == "messaging.sweep_outbox"
    assert not JobRun.objects.using("billing").exists()
