"""Billing's write use cases: the cards customers register, the support plans they choose, and the
charges, invoices and payment alerts of the monthly Payment job.

Billing is the only place a card number exists in plaintext, and only while a registration is being
handled: it is kept encrypted under billing's at-rest key, and the CVC is used to verify the card,
then dropped (PCI DSS 4.0 §3.3.1: never stored after authorization, even encrypted).
"""

import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from celery import current_app
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from billing_quantum.apps import DATABASE
from billing_quantum.card_keys import (
    CardUnreadable,
    card_data_open,
    card_number_decrypt,
    card_number_encrypt,
)
from billing_quantum.models import (
    BillingAccount,
    Card,
    CardStatus,
    Invoice,
    InvoiceCounter,
    InvoiceStatus,
    Payment,
    PaymentAlert,
    PaymentStatus,
)
from billing_quantum.payment_provider import (
    ChargeRequest,
    ChargeResult,
    PaymentProvider,
    ProviderRefused,
    ProviderTimeout,
)
from billing_quantum.selectors import cards_under_other_keys
from message_contracts.cards import (
    CardBrand,
    CardRegistered,
    CardRejected,
    CardVerified,
    card_brand_of,
    passes_luhn,
)
from message_contracts.invoices import InvoiceIssued, InvoiceLine, PaymentRecorded
from message_contracts.support_plans import SupportPlanChosen
from messaging.contract import Message
from messaging.endpoint import endpoint_for
from messaging.errors import describe_error
from messaging.receiver import delivery_transaction

logger = logging.getLogger(__name__)

RETRY_TASK = "billing.retry_payment_alert"

UNREADABLE_REASON = "card data could not be read; please add the card again"
# Card numbers re-encrypted per transaction when an at-rest key is rotated.
REENCRYPT_BATCH_SIZE = 500
HOLDER_NAME_MAX_LENGTH = 100
EXPIRY_YEARS_AHEAD = 20

# Test numbers the verification always declines, so the decline path can be tried by hand and in
# tests (the README lists them). Any other valid, unexpired card with a well-formed CVC is verified.
TEST_DECLINES = {
    "4000000000000002": "the card was declined by its issuer",
    "4000000000000069": "the issuer reports this card as expired",
    "4000000000000127": "the security code (CVC) is incorrect",
}


@dataclass(frozen=True)
class _CardData:
    number: str = field(repr=False)
    cvc: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    holder_name: str


@sensitive_variables("card")
def card_register(*, registered: CardRegistered) -> Card:
    """Opens the sealed card data, verifies the card and keeps it, and tells the customer quantum
    the outcome in the same transaction. Raises CardUnreadable if the data cannot be opened."""
    card = _card_data(card_data_open(key_id=registered.key_id, sealed_card=registered.sealed_card))
    brand = card_brand_of(card.number)
    decline = _decline_reason(card, brand=brand, today=timezone.localdate())
    stored = Card(
        card_id=registered.card_id,
        brand=brand.name if brand else "",
        last4=card.number[-4:],
        expiry_month=card.expiry_month,
        expiry_year=card.expiry_year,
        holder_name=card.holder_name,
        registered_at=registered.registered_at,
    )
    if decline is None:
        stored.status = CardStatus.ACTIVE
        stored.key_id, stored.number_ciphertext = card_number_encrypt(card.number)
        outcome = CardVerified(card_id=registered.card_id, verified_at=timezone.now())
    else:
        # A declined card is never charged, so its number is not kept at all.
        stored.status, stored.rejection_reason = CardStatus.REJECTED, decline
        stored.key_id, stored.number_ciphertext = "", b""
        outcome = CardRejected(
            card_id=registered.card_id, reason=decline, rejected_at=timezone.now()
        )
    with delivery_transaction(DATABASE):
        stored.account, _ = BillingAccount.objects.get_or_create(customer_id=registered.customer_id)
        stored.save()
        # Looked up, not imported: the endpoint module imports the handlers, hence these services.
        endpoint_for(DATABASE).publish(outcome)
    return stored


@dataclass(frozen=True)
class ReencryptedBatch:
    reencrypted: int
    unreadable: list[uuid.UUID]


@sensitive_variables("number")
def cards_reencrypt(
    *, key_id: str, batch_size: int = REENCRYPT_BATCH_SIZE
) -> Iterator[ReencryptedBatch]:
    """Re-encrypts stored card numbers under the at-rest key `key_id` (the current one), a batch
    per transaction, yielding each batch once committed: stopped between or within batches, a
    run leaves every card under one key or the other, and the next run takes what is left. A
    number billing cannot open (its key is gone) keeps its key and is reported."""
    skipped: list[int] = []
    while True:
        with transaction.atomic(using=DATABASE):
            batch = list(
                cards_under_other_keys(key_id=key_id)
                .exclude(pk__in=skipped)
                .select_for_update()[:batch_size]
            )
            if not batch:
                return
            reencrypted, unreadable = [], []
            for card in batch:
                try:
                    number = card_number_decrypt(
                        key_id=card.key_id, ciphertext=card.number_ciphertext
                    )
                except CardUnreadable:
                    skipped.append(card.pk)
                    unreadable.append(card.card_id)
                    continue
                card.key_id, card.number_ciphertext = card_number_encrypt(number)
                reencrypted.append(card)
            Card.objects.bulk_update(reencrypted, ["key_id", "number_ciphertext"])
        yield ReencryptedBatch(reencrypted=len(reencrypted), unreadable=unreadable)


def card_registration_give_up(*, card_id: uuid.UUID) -> None:
    """Billing gave up on a registration (its data unreadable, or failing every retry): the
    customer is told to add the card again; the technical reason stays in the dead letter."""
    endpoint_for(DATABASE).publish(
        CardRejected(card_id=card_id, reason=UNREADABLE_REASON, rejected_at=timezone.now())
    )


def billing_account_plan_record(*, chosen: SupportPlanChosen) -> BillingAccount:
    """Records the plan billing will charge. Plans can arrive out of order: one chosen before the
    plan the account already has changes only when the account's plan started."""
    with delivery_transaction(DATABASE):
        account, _ = BillingAccount.objects.select_for_update().get_or_create(
            customer_id=chosen.customer_id
        )
        if account.plan_started_at is None or chosen.chosen_at < account.plan_started_at:
            account.plan_started_at = chosen.chosen_at
        if account.plan_chosen_at is None or chosen.chosen_at > account.plan_chosen_at:
            account.customer_name = chosen.customer_name
            account.customer_email = chosen.customer_email
            account.contract_code = chosen.contract_code
            account.monthly_price = chosen.monthly_price
            account.currency = chosen.currency
            account.plan_chosen_at = chosen.chosen_at
        account.save()
    return account


@sensitive_variables("opened", "fields")
def _card_data(opened: bytes) -> _CardData:
    """Checks the opened data's shape. Errors name fields, never values: a value may be a number."""
    try:
        fields = json.loads(opened)
    except ValueError:
        raise CardUnreadable("the opened card data is not JSON") from None
    if not isinstance(fields, dict):
        raise CardUnreadable("the opened card data is not a JSON object")
    checks = {
        "number": lambda value: isinstance(value, str) and re.fullmatch(r"[0-9]{12,19}", value),
        "cvc": lambda value: isinstance(value, str) and re.fullmatch(r"[0-9]{3,4}", value),
        "expiry_month": lambda value: type(value) is int and 1 <= value <= 12,
        "expiry_year": lambda value: type(value) is int and 1000 <= value <= 9999,
        "holder_name": lambda value: (
            isinstance(value, str) and 0 < len(value) <= HOLDER_NAME_MAX_LENGTH
        ),
    }
    problems = []
    if invalid := [name for name, valid in checks.items() if not valid(fields.get(name))]:
        problems.append(f"missing or invalid fields: {', '.join(invalid)}")
    if unexpected := len(set(fields) - set(checks)):
        # Not named: a field's name is as untrusted as its value.
        problems.append(f"{unexpected} unexpected fields")
    if problems:
        raise CardUnreadable(f"the opened card data has {'; '.join(problems)}")
    return _CardData(**fields)


@sensitive_variables("card")
def _decline_reason(card: _CardData, *, brand: CardBrand | None, today: date) -> str | None:
    """Billing's verification of a card, standing in for the payment processor's."""
    if brand is None or len(card.number) not in brand.lengths or not passes_luhn(card.number):
        return "the card number is not valid"
    if (card.expiry_year, card.expiry_month) < (today.year, today.month):
        return "the card has expired"
    if card.expiry_year > today.year + EXPIRY_YEARS_AHEAD:
        return "the expiry date is not valid"
    if len(card.cvc) != brand.cvc_length:
        return "the security code (CVC) is not valid for this card"
    return TEST_DECLINES.get(card.number)


@dataclass(frozen=True)
class ChargeFailure:
    """The provider gave no answer we can act on: the outcome is unknown until asked again."""

    reason: str


ChargeAnswer = ChargeResult | ChargeFailure


def payments_open(*, period: str, cards_by_account: dict[BillingAccount, Card]) -> None:
    """Records, before any provider is asked, the charge each account owes for the period at its
    current price. The unique (account, period) constraint makes this safe to run twice at once."""
    Payment.objects.bulk_create(
        [
            Payment(
                account=account,
                period=period,
                contract_code=account.contract_code,
                amount=account.monthly_price,
                currency=account.currency,
                card=card,
            )
            for account, card in cards_by_account.items()
        ],
        ignore_conflicts=True,
    )


@sensitive_variables("number", "request")
def payment_charge(*, payment: Payment, provider: PaymentProvider) -> ChargeAnswer:
    """Asks the provider to charge a pending payment, under its idempotency key. Writes nothing: the
    card number is opened here, used, and forgotten."""
    card = payment.card
    try:
        number = card_number_decrypt(key_id=card.key_id, ciphertext=card.number_ciphertext)
        request = ChargeRequest(
            idempotency_key=payment.idempotency_key,
            card_number=number,
            expiry_month=card.expiry_month,
            expiry_year=card.expiry_year,
            amount=payment.amount,
            currency=payment.currency,
        )
        return provider.charge(request)
    except (ProviderTimeout, ProviderRefused, CardUnreadable) as error:
        return ChargeFailure(str(error))


def payments_settle(*, answers: Sequence[tuple[Payment, ChargeAnswer]]) -> Counter[str]:
    """Records the provider's answers in one transaction: an invoice (and its messages) for each
    charge, a payment alert for each decline or failure. A payment another run settled meanwhile is
    counted as already done and left alone. Returns how many payments ended in each status."""
    outcomes: Counter[str] = Counter()
    now = timezone.now()
    issued_on = timezone.localdate()
    charged: list[Payment] = []
    unpaid: list[Payment] = []
    with transaction.atomic(using=DATABASE):
        still_pending = set(
            Payment.objects.select_for_update()
            .filter(pk__in=[payment.pk for payment, _ in answers], status=PaymentStatus.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for payment, answer in answers:
            if payment.pk not in still_pending:
                outcomes["already_done"] += 1
                continue
            payment.settled_at = now
            if isinstance(answer, ChargeResult) and answer.approved:
                payment.status, payment.provider_reference = PaymentStatus.CHARGED, answer.reference
                payment.failure_reason = ""
                charged.append(payment)
            else:
                _payment_failure_record(payment=payment, answer=answer, now=now)
                unpaid.append(payment)
            outcomes[payment.status] += 1
        # The charged payments differ only by the provider's reference: one UPDATE for what they
        # share, and bulk_update's CASE per row for that one column rather than for four.
        Payment.objects.filter(pk__in=[payment.pk for payment in charged]).update(
            status=PaymentStatus.CHARGED, failure_reason="", settled_at=now
        )
        Payment.objects.bulk_update(charged, ["provider_reference"])
        Payment.objects.bulk_update(
            unpaid, ["status", "provider_reference", "failure_reason", "settled_at"]
        )
        if charged:
            _invoices_issue(payments=charged, issued_on=issued_on)
    return outcomes


def _payment_failure_record(*, payment: Payment, answer: ChargeAnswer, now: datetime) -> None:
    if isinstance(answer, ChargeResult):
        payment.status = PaymentStatus.DECLINED
        payment.failure_reason = answer.decline_reason or "declined"
        payment.provider_reference = answer.reference
    else:
        payment.status, payment.failure_reason = PaymentStatus.FAILED, answer.reason
    PaymentAlert.objects.update_or_create(
        payment=payment,
        defaults={"reason": payment.failure_reason, "raised_at": now, "resolved_at": None},
    )
    if payment.status != PaymentStatus.FAILED:
        # A failure is not a fact yet: asking again may still charge the card.
        endpoint_for(DATABASE).publish(_payment_recorded(payment=payment, invoice_number=""))


def _invoices_issue(*, payments: list[Payment], issued_on: date) -> None:
    """Invoices for charged payments, numbered from the year's counter, with their messages.

    The counter row is locked until the caller's transaction ends, so a rolled-back batch gives
    its numbers back and numbers have no gaps. It is taken last, after everything else the
    settlement writes, so settlements running in parallel queue on it only while one batch's
    invoices and messages are stored."""
    counter, _ = InvoiceCounter.objects.select_for_update().get_or_create(year=issued_on.year)
    first = counter.last_sequence + 1
    counter.last_sequence += len(payments)
    counter.save(update_fields=["last_sequence"])
    issued = [
        _invoice_issue(payment=payment, issued_on=issued_on, sequence=first + offset)
        for offset, payment in enumerate(payments)
    ]
    Invoice.objects.bulk_create([invoice for invoice, _ in issued])
    messages: list[Message] = []
    for payment, (invoice, invoice_issued) in zip(payments, issued, strict=True):
        messages += [
            invoice_issued,
            _payment_recorded(payment=payment, invoice_number=invoice.number),
        ]
    endpoint_for(DATABASE).publish_all(messages)


def payment_retry(*, payment: Payment, provider: PaymentProvider) -> str:
    """Charges a declined or failed payment again; returns its new status.

    A failure (no answer) is asked again under the same key: the first request may have charged
    the card, and only that key gets its answer back. A decline is final for its key, so a retry is
    a new charge, on the account's newest active card, under a new key.
    """
    with transaction.atomic(using=DATABASE):
        payment = Payment.objects.select_for_update().select_related("account").get(pk=payment.pk)
        if payment.status == PaymentStatus.DECLINED:
            card = payment.account.cards.filter(status=CardStatus.ACTIVE).first()
            if card is None:
                return payment.status
            payment.attempt += 1
            payment.card = card
        elif payment.status != PaymentStatus.FAILED:
            return payment.status
        payment.status = PaymentStatus.PENDING
        payment.save(update_fields=["attempt", "card", "status"])
        PaymentAlert.objects.filter(payment=payment).update(retries=F("retries") + 1)
    payment = Payment.objects.select_related("account", "card").get(pk=payment.pk)
    payments_settle(answers=[(payment, payment_charge(payment=payment, provider=provider))])
    payment.refresh_from_db(fields=["status", "settled_at"])
    if payment.status == PaymentStatus.CHARGED:
        PaymentAlert.objects.filter(payment=payment).update(resolved_at=payment.settled_at)
    return payment.status


def payment_alerts_retry_request(
    *, alerts: QuerySet[PaymentAlert], requested_by: str
) -> tuple[int, str | None]:
    """Queues a retry of each open alert on billing's queue, recorded on the alert: a charge opens
    the card number, which only billing's worker can do. Returns how many were queued and, if the
    broker refused, why (those not queued say so)."""
    now = timezone.now()
    with transaction.atomic(using=DATABASE):
        alert_ids = list(alerts.filter(resolved_at__isnull=True).values_list("pk", flat=True))
        PaymentAlert.objects.filter(pk__in=alert_ids).update(
            retry_requested_at=now,
            retry_requested_by=requested_by,
            retry_outcome="",
            retry_finished_at=None,
        )
    for queued, alert_id in enumerate(alert_ids):
        try:
            current_app.send_task(RETRY_TASK, args=[alert_id], queue=DATABASE, retry=False)
        except Exception as error:  # whatever the broker says, staff see it and may ask again
            refusal = describe_error(error)
            PaymentAlert.objects.filter(pk__in=alert_ids[queued:]).update(
                retry_outcome=f"not queued, the broker refused: {refusal}",
                retry_finished_at=timezone.now(),
            )
            return queued, refusal
    return len(alert_ids), None


def payment_alert_retry_run(*, alert_id: int, provider: PaymentProvider) -> str:
    """Billing's worker retries an alert's charge queued from the admin and records the outcome. A
    retry already finished (the broker delivered the task again) is not charged twice."""
    alert = PaymentAlert.objects.select_related("payment").get(pk=alert_id)
    if alert.retry_requested_at is None or alert.retry_finished_at is not None:
        return alert.retry_outcome
    if alert.resolved_at is not None:
        outcome = "already resolved"
    else:
        try:
            outcome = payment_retry(payment=alert.payment, provider=provider)
        except Exception as error:  # recorded for the administrator who is waiting for it
            logger.exception("retry of payment alert %s failed", alert_id)
            outcome = f"error: {describe_error(error)}"
    # Two copies of the task running at once charge once (payment_retry locks the payment); the
    # first to finish records the outcome.
    PaymentAlert.objects.filter(pk=alert_id, retry_finished_at__isnull=True).update(
        retry_outcome=outcome[:500], retry_finished_at=timezone.now()
    )
    return outcome


def _invoice_issue(
    *, payment: Payment, issued_on: date, sequence: int
) -> tuple[Invoice, InvoiceIssued]:
    """The invoice of a charged payment, numbered from the year's counter, and the message that
    carries it to the customer quantum (the persistent path); the caller stores both."""
    line = InvoiceLine(
        description=f"Support plan {payment.contract_code}, {payment.period}",
        quantity=1,
        unit_price=payment.amount,
        amount=payment.amount,
    )
    invoice = Invoice(
        number=f"{issued_on.year}-{sequence:06d}",
        year=issued_on.year,
        sequence=sequence,
        account=payment.account,
        payment=payment,
        period=payment.period,
        lines=[line.model_dump(mode="json")],
        total=line.amount,
        currency=payment.currency,
        status=InvoiceStatus.PAID,
        issued_on=issued_on,
    )
    return invoice, InvoiceIssued(
        invoice_id=invoice.id,
        number=invoice.number,
        customer_id=payment.account.customer_id,
        period=invoice.period,
        issued_on=issued_on,
        lines=[line],
        total=invoice.total,
        currency=invoice.currency,
        status=invoice.status,
        issued_at=invoice.issued_at,
    )


def _payment_recorded(*, payment: Payment, invoice_number: str) -> PaymentRecorded:
    return PaymentRecorded(
        payment_id=payment.id,
        attempt=payment.attempt,
        customer_id=payment.account.customer_id,
        period=payment.period,
        contract_code=payment.contract_code,
        amount=payment.amount,
        currency=payment.currency,
        outcome=payment.status,
        invoice_number=invoice_number,
        recorded_at=payment.settled_at,
    )
