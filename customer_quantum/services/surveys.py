"""Surveys (UC-4): a completed ticket earns its customer an invitation and a signed link; the
answer goes to analytics and only the fact that the invitation was used stays here."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from customer_quantum.apps import DATABASE
from customer_quantum.models import Customer, SurveyInvitation, Ticket
from customer_quantum.services.notifications import customer_notify
from message_contracts.notifications import NotificationType
from message_contracts.surveys import COMMENT_MAX_LENGTH, RATING_MAX, RATING_MIN, SurveySubmitted
from messaging.endpoint import endpoint_for

# A salt of its own, so no other signed value of the project (a session, a reset link) can pass
# for a survey link, nor a survey link for one of them.
LINK_SALT = "customer_quantum.survey-link"


class SurveyNotFound(Exception):
    """No invitation the customer may answer: a forged link, an unknown ticket, or another
    customer's survey. One exception for all, so the answer never tells which."""


class SurveyAlreadyAnswered(Exception):
    """Each invitation takes one answer: analytics counts one per completed ticket."""


class SurveyExpired(Exception):
    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"This survey closed on {expires_at:%Y-%m-%d}.")
        self.expires_at = expires_at


def survey_invitation_create(*, ticket: Ticket) -> SurveyInvitation:
    """Invites the customer once per ticket and asks notifications to send them the link, in the
    caller's transaction; a repeated or second completion changes nothing.

    The link's days count from now, not from the completion: a message that arrived late (say,
    replayed from dead letters) still gives the customer the full time to answer."""
    now = timezone.now()
    with transaction.atomic(using=DATABASE):
        invitation, created = SurveyInvitation.objects.get_or_create(
            ticket=ticket,
            defaults={
                "customer_id": ticket.customer_id,
                "created_at": now,
                "expires_at": now + timedelta(days=settings.SURVEY_LINK_MAX_AGE_DAYS),
            },
        )
        if created:
            customer_notify(
                customer=ticket.customer,
                notification_type=NotificationType.SURVEY_INVITED,
                context={
                    "title": ticket.title,
                    "link": survey_link(invitation),
                    "expires_on": invitation.expires_at.strftime("%Y-%m-%d"),
                },
                reference=str(ticket.id),
                requested_at=now,
            )
    return invitation


def survey_path(invitation: SurveyInvitation) -> str:
    """The invitation's survey page in the portal. The signature is not timestamped: the
    invitation's `expires_at` is the one expiry, so the link in the e-mail and the one on the
    ticket page close at the same moment. The id travels encoded rather than as a bare UUID: a
    UUID's digits could look like a card number and be masked in the notification."""
    token = signing.Signer(salt=LINK_SALT).sign_object(str(invitation.id))
    return reverse("portal:survey", args=[token])


def survey_link(invitation: SurveyInvitation) -> str:
    """The survey page's absolute address, for the e-mail."""
    return settings.PORTAL_BASE_URL + survey_path(invitation)


def survey_invitation_of_link(*, token: str, customer: Customer) -> SurveyInvitation:
    """The invitation a link names, if the link is genuine and the invitation is this customer's."""
    try:
        invitation_id = uuid.UUID(signing.Signer(salt=LINK_SALT).unsign_object(token))
    except (signing.BadSignature, ValueError, TypeError):
        raise SurveyNotFound from None
    return _invitation_of(customer, pk=invitation_id)


def survey_invitation_of_ticket(*, ticket_id: uuid.UUID, customer: Customer) -> SurveyInvitation:
    return _invitation_of(customer, ticket_id=ticket_id)


def _invitation_of(customer: Customer, **lookup) -> SurveyInvitation:
    invitation = (
        SurveyInvitation.objects.select_related("ticket")
        .filter(customer=customer, **lookup)
        .first()
    )
    if invitation is None:
        raise SurveyNotFound
    return invitation


def survey_check_open(invitation: SurveyInvitation) -> None:
    """Raises if the invitation takes no answer any more; checked before the answer is, so the
    customer is not asked to fix a form they cannot send."""
    if invitation.used_at is not None:
        raise SurveyAlreadyAnswered
    if invitation.expires_at <= timezone.now():
        raise SurveyExpired(invitation.expires_at)


def survey_submit(
    *,
    invitation: SurveyInvitation,
    rating: int,
    comment: str = "",
    expert_on_time: bool | None = None,
    would_recommend: bool | None = None,
) -> SurveySubmitted:
    """Forwards the answer to analytics and marks the invitation used, in one transaction: the
    answer is sent once or not at all. Bad answers raise ValidationError naming each field, and
    nothing is stored."""
    comment = comment.strip()
    problems = {
        "rating": _rating_problem(rating),
        "comment": _comment_problem(comment),
        "expert_on_time": _yes_no_problem(expert_on_time),
        "would_recommend": _yes_no_problem(would_recommend),
    }
    if any(problems.values()):
        raise ValidationError({field: [problem] for field, problem in problems.items() if problem})

    now = timezone.now()
    with transaction.atomic(using=DATABASE):
        # One conditional update decides between two answers sent at once: only one finds the
        # invitation still open.
        claimed = SurveyInvitation.objects.filter(
            pk=invitation.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not claimed:
            invitation.refresh_from_db()
            survey_check_open(invitation)
            raise SurveyAlreadyAnswered  # closed between the two reads: answered meanwhile
        invitation.used_at = now
        submitted = SurveySubmitted(
            survey_id=invitation.id,
            ticket_id=invitation.ticket_id,
            customer_id=invitation.customer_id,
            rating=rating,
            comment=comment,
            expert_on_time=expert_on_time,
            would_recommend=would_recommend,
            submitted_at=now,
        )
        endpoint_for(DATABASE).publish(submitted)
    return submitted


def _rating_problem(rating: object) -> str | None:
    if isinstance(rating, bool) or not isinstance(rating, int):
        return f"Choose a rating from {RATING_MIN} to {RATING_MAX}."
    if not RATING_MIN <= rating <= RATING_MAX:
        return f"A rating is from {RATING_MIN} to {RATING_MAX}."
    return None


def _comment_problem(comment: object) -> str | None:
    if not isinstance(comment, str):
        return "A comment is text."
    if len(comment) > COMMENT_MAX_LENGTH:
        return f"A comment has at most {COMMENT_MAX_LENGTH} characters."
    if "\x00" in comment:
        return "Null characters are not allowed."
    return None


def _yes_no_problem(answer: object) -> str | None:
    return None if answer is None or isinstance(answer, bool) else "Answer yes, no, or leave it."
