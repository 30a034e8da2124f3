"""The monthly Payment job charges each account with a plan and an active card once per month:
approved charges get a payment and an invoice sent to the customer quantum, declines and timeouts a
payment alert and no invoice; re-running or resuming a killed run never charges anybody twice."""

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from billing_quantum.jobs import (
    PeriodInvalid,
    payment_alerts_retry,
    payment_chunk_bill,
    payment_job_dry_run,
    payment_run_plan,
    previous_period,
)
from billing_quantum.models import (
    Invoice,
    InvoiceCounter,
    Payment,
    PaymentAlert,
    PaymentChunk,
    PaymentRun,
    SimulatedProviderCharge,
)
from billing_quantum.payment_provider import SimulatedPaymentProvider
from billing_quantum.services import payment_charge, payments_open
from messaging.models import OutboxMessage
from tests.billing_quantum.conftest import active_card_add

pytestmark = pytest.mark.django_db(databases="__all__")

PERIOD = "2026-10"
APPROVES = "4242424242424242"
DECLINES = "4000000000009995"
TIMES_OUT = "4000000000000259"


def published(type_: str) -> list[dict]:
    return [
        row.payload
        for row in OutboxMessage.objects.using("billing").filter(type=type_).order_by("created_at")
    ]


def test_an_approved_charge_is_paid_invoiced_and_sent_to_the_customer(
    account_to_bill, month_billed
):
    account = account_to_bill(customer_id=7, card_number=APPROVES)

    summary = month_billed(PERIOD)

    assert summary.counts["charged"] == 1
    payment = Payment.objects.get()
    assert (payment.account, payment.period, payment.status, payment.amount) == (
        account,
        PERIOD,
        "charged",
        Decimal("29.90"),
    )
    assert payment.provider_reference.startswith("sim_")
    invoice = Invoice.objects.get()
    year = timezone.localdate().year
    assert (invoice.number, invoice.payment, invoice.total, invoice.currency, invoice.status) == (
        f"{year}-000001",
        payment,
        Decimal("29.90"),
        "EUR",
        "paid",
    )
    assert invoice.lines == [
        {
            "description": f"Support plan premium, {PERIOD}",
            "quantity": 1,
            "unit_price": "29.90",
            "amount": "29.90",
        }
    ]
    [issued] = published("InvoiceIssued")
    assert (issued["number"], issued["customer_id"], issued["total"], issued["period"]) == (
        invoice.number,
        7,
        "29.90",
        PERIOD,
    )
    assert OutboxMessage.objects.using("billing").get(type="InvoiceIssued").receiver == "customer"
    [fact] = published("PaymentRecorded")
    assert (fact["outcome"], fact["invoice_number"], fact["amount"]) == (
        "charged",
        invoice.number,
        "29.90",
    )
    assert (
        OutboxMessage.objects.using("billing").get(type="PaymentRecorded").receiver == "analytics"
    )
    assert SimulatedProviderCharge.objects.get().idempotency_key == f"payment-7-{PERIOD}-1"
    assert PaymentAlert.objects.count() == 0


def test_a_declined_charge_raises_an_alert_and_is_not_invoiced(account_to_bill, month_billed):
    account_to_bill(customer_id=7, card_number=DECLINES)

    summary = month_billed(PERIOD)

    assert summary.counts["declined"] == 1
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_reason) == ("declined", "insufficient funds")
    assert PaymentAlert.objects.get().payment == payment
    assert Invoice.objects.count() == 0
    assert published("InvoiceIssued") == []
    [fact] = published("PaymentRecorded")
    assert (fact["outcome"], fact["invoice_number"]) == ("declined", "")


def test_a_charge_that_times_out_raises_an_alert_and_charges_nothing(account_to_bill, month_billed):
    account_to_bill(customer_id=7, card_number=TIMES_OUT)

    summary = month_billed(PERIOD)

    assert summary.counts["failed"] == 1
    payment = Payment.objects.get()
    assert payment.status == "failed"
    assert "did not answer" in PaymentAlert.objects.get().reason
    assert Invoice.objects.count() == 0
    assert SimulatedProviderCharge.objects.count() == 0
    # The outcome is unknown until asked again: no fact is reported to analytics yet.
    assert published("InvoiceIssued") == published("PaymentRecorded") == []


def test_accounts_without_an_active_card_or_a_plan_are_skipped(account_to_bill, month_billed):
    account_to_bill(customer_id=7, card_number=None)
    account_to_bill(customer_id=8, price="0.00")

    summary = month_billed(PERIOD)

    assert summary.counts["skipped"] == 1
    assert Payment.objects.count() == 0


def test_running_a_period_again_charges_nobody_twice(account_to_bill, month_billed):
    for customer_id, number in [(1, APPROVES), (2, DECLINES), (3, APPROVES)]:
        account_to_bill(customer_id=customer_id, card_number=number)
    month_billed(PERIOD)

    again = month_billed(PERIOD)

    assert again.counts["already_done"] == 3
    assert again.counts["charged"] == again.counts["declined"] == 0
    assert Payment.objects.count() == 3
    assert Invoice.objects.count() == 2
    assert SimulatedProviderCharge.objects.count() == 3
    assert set(SimulatedProviderCharge.objects.values_list("requests", flat=True)) == {1}
    assert len(published("InvoiceIssued")) == 2


def test_a_run_killed_after_charging_is_resumed_under_the_same_key(account_to_bill, month_billed):
    """What a killed run leaves behind: the payment opened and the card charged, nothing settled."""
    account = account_to_bill(customer_id=7)
    payments_open(period=PERIOD, cards_by_account={account: account.cards.get()})
    pending = Payment.objects.select_related("account", "card").get()
    first_answer = payment_charge(payment=pending, provider=SimulatedPaymentProvider())

    summary = month_billed(PERIOD)

    assert summary.counts["charged"] == 1
    charge = SimulatedProviderCharge.objects.get()
    assert (charge.requests, charge.reference) == (2, first_answer.reference)
    assert Payment.objects.get().provider_reference == first_answer.reference
    assert Invoice.objects.count() == 1


def test_invoice_numbers_follow_each_other_without_gaps(account_to_bill, month_billed):
    for customer_id in range(1, 6):
        account_to_bill(
            customer_id=customer_id, card_number=DECLINES if customer_id == 3 else APPROVES
        )

    month_billed(PERIOD)
    account_to_bill(customer_id=6)
    month_billed(PERIOD)

    year = timezone.localdate().year
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5]
    assert InvoiceCounter.objects.get(year=year).last_sequence == 5


def test_a_dry_run_counts_and_writes_nothing(account_to_bill):
    account_to_bill(customer_id=7)
    account_to_bill(customer_id=8, card_number=None)

    summary = payment_job_dry_run(period=PERIOD)

    assert (summary.counts["to_charge"], summary.counts["skipped"]) == (1, 1)
    assert "dry run" in str(summary)
    assert Payment.objects.count() == SimulatedProviderCharge.objects.count() == 0
    assert OutboxMessage.objects.using("billing").count() == 0


def test_retrying_a_decline_charges_the_newest_card_under_a_new_key(account_to_bill, month_billed):
    account = account_to_bill(customer_id=7, card_number=DECLINES)
    month_billed(PERIOD)
    active_card_add(account=account, number=APPROVES)

    outcomes = payment_alerts_retry(period=PERIOD)

    assert outcomes == {"charged": 1}
    payment = Payment.objects.get()
    assert (payment.status, payment.attempt, payment.card.last4) == ("charged", 2, "4242")
    assert sorted(SimulatedProviderCharge.objects.values_list("idempotency_key", flat=True)) == [
        f"payment-7-{PERIOD}-1",
        f"payment-7-{PERIOD}-2",
    ]
    alert = PaymentAlert.objects.get()
    assert (alert.retries, alert.resolved_at is not None) == (1, True)
    assert Invoice.objects.get().payment == payment
    assert [fact["outcome"] for fact in published("PaymentRecorded")] == ["declined", "charged"]


def test_retrying_a_timeout_asks_again_under_the_same_key(account_to_bill, month_billed):
    account_to_bill(customer_id=7, card_number=TIMES_OUT)
    month_billed(PERIOD)

    outcomes = payment_alerts_retry()

    assert outcomes == {"failed": 1}
    assert Payment.objects.get().attempt == 1
    assert PaymentAlert.objects.get().retries == 1


def test_the_card_number_is_in_no_message_and_no_log(account_to_bill, caplog, month_billed):
    for customer_id, number in [(1, APPROVES), (2, DECLINES), (3, TIMES_OUT)]:
        account_to_bill(customer_id=customer_id, card_number=number)

    with caplog.at_level(logging.DEBUG):
        month_billed(PERIOD)
        payment_alerts_retry()

    everything = caplog.text + str(
        list(OutboxMessage.objects.using("billing").values_list("payload", flat=True))
    )
    everything += str(list(PaymentAlert.objects.values_list("reason", flat=True)))
    for number in (APPROVES, DECLINES, TIMES_OUT):
        assert number not in everything


def test_the_command_plans_the_month_in_chunks_for_billing_workers(
    account_to_bill, settings, capsys
):
    settings.PAYMENT_JOB_CHUNK_SIZE = 2
    accounts = [account_to_bill(customer_id=customer_id) for customer_id in range(1, 6)]

    call_command("run_payment_job", "--period", PERIOD)

    assert capsys.readouterr().out == (
        f"{PERIOD}: planned 5 account(s) in 3 chunk(s), "
        "3 chunk(s) handed to billing's workers by this plan\n"
    )
    run = PaymentRun.objects.get()
    ranges = list(run.chunks.values_list("first_account_id", "last_account_id", "accounts"))
    assert ranges == [
        (accounts[0].pk, accounts[1].pk, 2),
        (accounts[2].pk, accounts[3].pk, 2),
        (accounts[4].pk, accounts[4].pk, 1),
    ]
    assert not run.chunks.filter(handed_over_at__isnull=True).exists()
    assert Payment.objects.count() == 0  # the workers charge, not the command


def test_planning_a_month_being_billed_joins_its_run_and_queues_nothing_again(
    account_to_bill, settings
):
    settings.PAYMENT_JOB_CHUNK_SIZE = 2
    for customer_id in range(1, 6):
        account_to_bill(customer_id=customer_id)
    first = payment_run_plan(period=PERIOD)

    again = payment_run_plan(period=PERIOD)

    assert (first.created, first.handed_over) == (True, 3)
    assert (again.created, again.handed_over, again.run) == (False, 0, first.run)
    assert PaymentRun.objects.count() == 1
    assert PaymentChunk.objects.count() == 3


def test_a_finished_month_planned_again_charges_nobody_twice(account_to_bill, month_billed):
    account_to_bill(customer_id=7)
    month_billed(PERIOD)

    again = month_billed(PERIOD)

    assert (again.counts["already_done"], again.counts["charged"]) == (1, 0)
    assert PaymentRun.objects.count() == 2
    assert SimulatedProviderCharge.objects.get().requests == 1


def test_a_chunk_delivered_again_counts_what_its_first_delivery_settled_as_done(account_to_bill):
    account_to_bill(customer_id=7)
    account_to_bill(customer_id=8)
    run = payment_run_plan(period=PERIOD).run
    chunk = run.chunks.get()
    payment_chunk_bill(chunk_id=chunk.pk, provider=SimulatedPaymentProvider())
    # As if its worker had died after settling, before the broker heard the chunk was done.
    PaymentChunk.objects.filter(pk=chunk.pk).update(finished_at=None)

    payment_chunk_bill(chunk_id=chunk.pk, provider=SimulatedPaymentProvider())

    chunk.refresh_from_db()
    assert (chunk.deliveries, chunk.done, chunk.charged, chunk.already_done) == (2, 2, 0, 2)
    assert Payment.objects.filter(status="charged").count() == 2
    assert SimulatedProviderCharge.objects.count() == 2


def test_a_chunk_whose_worker_keeps_dying_is_given_up_and_the_run_ends(account_to_bill, settings):
    account_to_bill(customer_id=7)
    run = payment_run_plan(period=PERIOD).run
    PaymentChunk.objects.update(deliveries=settings.PAYMENT_JOB_CHUNK_MAX_DELIVERIES)

    payment_chunk_bill(chunk_id=run.chunks.get().pk, provider=SimulatedPaymentProvider())

    chunk = run.chunks.get()
    assert chunk.error.startswith(f"given up after {settings.PAYMENT_JOB_CHUNK_MAX_DELIVERIES}")
    run.refresh_from_db()
    assert run.finished_at is not None
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "october", "26-10", "2026-00"])
def test_a_bad_period_is_refused_with_one_line_and_nothing_written(account_to_bill, period):
    account_to_bill(customer_id=7)

    with pytest.raises(CommandError, match="is not a month written YYYY-MM") as refused:
        call_command("run_payment_job", "--period", period)

    assert "\n" not in str(refused.value)
    assert Payment.objects.count() == OutboxMessage.objects.using("billing").count() == 0


@pytest.mark.parametrize(
    ("plan_started_at", "charged"),
    [
        (datetime(2026, 11, 30, 9, tzinfo=UTC), 0),
        (datetime(2026, 10, 15, 9, tzinfo=UTC), 0),
        (datetime(2026, 10, 1, tzinfo=UTC), 1),
        (datetime(2026, 9, 30, 23, 59, tzinfo=UTC), 1),
    ],
)
def test_billing_starts_with_the_first_whole_month_of_the_plan(
    account_to_bill, plan_started_at, charged, month_billed
):
    account_to_bill(customer_id=7, plan_started_at=plan_started_at)

    summary = month_billed(PERIOD)

    assert summary.counts["charged"] == Payment.objects.count() == charged
    assert summary.counts["skipped"] == 0


def current_month() -> str:
    today = timezone.localdate()
    return f"{today.year:04d}-{today.month:02d}"


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
@pytest.mark.parametrize("period", [current_month(), "2099-01"])
def test_a_month_not_over_yet_is_refused_with_one_line_and_nothing_written(
    account_to_bill, period, dry_run
):
    account_to_bill(customer_id=7)

    with pytest.raises(CommandError, match=f"period {period} has not ended yet") as refused:
        call_command("run_payment_job", "--period", period, *dry_run)

    assert "\n" not in str(refused.value)
    assert Payment.objects.count() == OutboxMessage.objects.using("billing").count() == 0
    assert SimulatedProviderCharge.objects.count() == 0


def test_the_job_itself_refuses_a_month_not_over_yet(account_to_bill):
    account_to_bill(customer_id=7)

    with pytest.raises(PeriodInvalid, match="has not ended yet"):
        payment_run_plan(period=current_month())

    assert Payment.objects.count() == 0


def test_the_month_just_ended_can_be_billed(account_to_bill, capsys):
    account_to_bill(customer_id=7)
    period = previous_period(timezone.localdate())

    call_command("run_payment_job", "--period", period, "--dry-run")

    assert f"{period} (dry run, nothing charged or written): 1 to charge" in capsys.readouterr().out


def test_the_scheduler_bills_the_month_just_ended():
    assert previous_period(timezone.datetime(2027, 1, 1).date()) == "2026-12"
    assert previous_period(timezone.datetime(2026, 11, 1).date()) == "2026-10"
