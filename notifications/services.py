"""Notifications' use cases: storing each request, sending what is due with bounded retries, and
pausing sending for maintenance without losing what arrives meanwhile."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from message_contracts.notifications import Channel, NotificationRequested
from messaging.backoff import backoff_delay
from notifications.apps import DATABASE
from notifications.models import DeliveryAttempt, Notification, SendingSwitch
from notifications.sms import sms_backend

SEND_BATCH = 100


@dataclass(frozen=True)
class SendRun:
    sent: int
    retrying: int
    failed: int

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed for good"


def sending_switch() -> SendingSwitch:
    switch, _ = SendingSwitch.objects.get_or_create(pk=1)
    return switch


def notification_request(*, requested: NotificationRequested) -> Notification:
    """Stores the request; the sending step delivers it, unless sending is paused (then it is held)."""
    paused = sending_switch().paused
    return Notification.objects.create(
        notification_type=requested.notification_type,
        channel=requested.channel,
        recipient_name=requested.recipient.name,
        recipient_email=requested.recipient.email or "",
        recipient_phone=requested.recipient.phone,
        context=requested.context,
        reference=requested.reference,
        requested_at=requested.requested_at,
        status=Notification.Status.HELD if paused else Notification.Status.PENDING,
        next_attempt_at=None if paused else timezone.now(),
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: a gateway that is down for a while is not hammered."""
    return timedelta(
        seconds=backoff_delay(
            attempt=attempts,
            first=settings.NOTIFICATIONS_RETRY_BASE_SECONDS,
            longest=settings.NOTIFICATIONS_RETRY_MAX_SECONDS,
        )
    )


def _deliver(notification: Notification) -> None:
    template = f"notifications/{notification.notification_type}"
    # An SMS says in one line what an e-mail says in full: the template branches on the channel.
    context = {
        **notification.context,
        "recipient_name": notification.recipient_name,
        "channel": notification.channel,
    }
    text = render_to_string(f"{template}.txt", context).strip()
    if notification.channel == Channel.EMAIL:
        subject = " ".join(render_to_string(f"{template}.subject", context).split())
        EmailMessage(
            subject=subject,
            body=text,
            to=[f"{notification.recipient_name} <{notification.recipient_email}>"],
        ).send()
    else:
        sms_backend().send(to=notification.recipient_phone, text=text)


def _send_one(notification_id: object, now: datetime) -> Notification.Status | None:
    """One attempt, recorded with its outcome; the row stays locked so no other run sends it too."""
    with transaction.atomic(using=DATABASE):
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                pk=notification_id, status=Notification.Status.PENDING, next_attempt_at__lte=now
            )
            .first()
        )
        if notification is None:
            return None
        notification.attempts += 1
        attempted_at = timezone.now()
        # Whatever the backend raises (a refused connection, a bad address), the attempt is
        # recorded and retried later, until the attempts allowed run out.
        try:
            _deliver(notification)
        except Exception as error:
            error_text = f"{type(error).__name__}: {error}"[:2000]
            DeliveryAttempt.objects.create(
                notification=notification,
                attempted_at=attempted_at,
                succeeded=False,
                error=error_text,
            )
            if notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
                notification.next_attempt_at = None
            else:
                notification.next_attempt_at = attempted_at + retry_delay(notification.attempts)
        else:
            DeliveryAttempt.objects.create(
                notification=notification, attempted_at=attempted_at, succeeded=True
            )
            notification.status = Notification.Status.SENT
            notification.sent_at = attempted_at
            notification.next_attempt_at = None
        notification.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
    return notification.status


def notifications_send_due() -> SendRun:
    """Sends every pending notification that is due, oldest request first; nothing while paused."""
    counts = {status: 0 for status in Notification.Status}
    if not sending_switch().paused:
        now = timezone.now()
        due = Notification.objects.filter(
            status=Notification.Status.PENDING, next_attempt_at__lte=now
        ).order_by("received_at", "pk")
        for notification_id in due.values_list("pk", flat=True)[:SEND_BATCH]:
            status = _send_one(notification_id, now)
            if status is not None:
                counts[status] += 1
    return SendRun(
        sent=counts[Notification.Status.SENT],
        retrying=counts[Notification.Status.PENDING],
        failed=counts[Notification.Status.FAILED],
    )


def notifications_pause() -> SendingSwitch:
    switch = sending_switch()
    switch.paused = True
    switch.changed_at = timezone.now()
    switch.save()
    return switch


def notifications_resume() -> int:
    """Turns sending back on and releases what arrived meanwhile; returns how many were held.

    They keep their arrival time, so the sending step sends them oldest first, each once.
    """
    now = timezone.now()
    with transaction.atomic(using=DATABASE):
        switch = sending_switch()
        switch.paused = False
        switch.changed_at = now
        switch.save()
        return Notification.objects.filter(status=Notification.Status.HELD).update(
            status=Notification.Status.PENDING, next_attempt_at=now
        )


def notifications_resend(*, notification_ids: list[object]) -> int:
    """Staff ask for these again (after a failure, or a customer who lost the e-mail): each gets a
    fresh budget of attempts; its earlier attempts stay recorded."""
    paused = sending_switch().paused
    return Notification.objects.filter(pk__in=notification_ids).update(
        status=Notification.Status.HELD if paused else Notification.Status.PENDING,
        attempts=0,
        next_attempt_at=None if paused else timezone.now(),
    )
