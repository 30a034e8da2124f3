"""Dead-letter replays asked for in the admin: queued to the quantum's own worker, then run there.

A replay runs the message's handler, and a handler may need what only its quantum's worker holds
(billing's opens card data with keys the web process must not have), so the web process only
records the request and queues it.
"""

import logging
from collections.abc import Iterable

from celery import current_app
from django.db import models, transaction
from django.utils import timezone

from messaging.endpoint import endpoint_for
from messaging.errors import describe_error
from messaging.models import DeadLetter, DeadLetterReplay, ReplayOutcome

logger = logging.getLogger(__name__)

REPLAY_TASK = "messaging.replay_dead_letter"


def dead_letters_replay_request(
    *, quantum: str, letters: Iterable[models.Model], requested_by: str
) -> tuple[int, str | None]:
    """Records a replay of each letter and queues it on the quantum's queue; returns how many
    were queued and, if the broker refused, why (those not queued are marked so)."""
    replays = DeadLetterReplay.objects.using(quantum)
    with transaction.atomic(using=quantum):
        requested = [
            replays.create(
                letter_id=letter.pk,
                message_id=letter.message_id,
                type=letter.type,
                requested_by=requested_by,
                requested_at=timezone.now(),
            )
            for letter in letters
        ]
    for queued, replay in enumerate(requested):
        try:
            current_app.send_task(
                REPLAY_TASK, args=[quantum, replay.pk], queue=quantum, retry=False
            )
        except Exception as error:  # whatever the broker says, staff see it and may ask again
            refusal = describe_error(error)
            replays.filter(pk__in=[later.pk for later in requested[queued:]]).update(
                outcome=ReplayOutcome.NOT_QUEUED, error=refusal, finished_at=timezone.now()
            )
            return queued, refusal
    return len(requested), None


def dead_letter_replay_run(*, quantum: str, replay_id: int) -> str:
    """Replays the letter of a queued request and records how it ended. A request already finished
    (the broker delivered the task again) is left as it is."""
    endpoint = endpoint_for(quantum)
    replays = DeadLetterReplay.objects.using(quantum)
    replay = replays.get(pk=replay_id)
    if replay.finished_at is not None:
        return replay.outcome
    letter = DeadLetter.objects.using(quantum).filter(pk=replay.letter_id).first()
    failure = None if letter is None else endpoint.receiver.replay(letter)
    if letter is None:
        outcome = ReplayOutcome.GONE
    else:
        outcome = ReplayOutcome.STILL_FAILS if failure else ReplayOutcome.REPLAYED
    # Two copies running at once apply once (the inbox marks it applied); the first records it.
    replays.filter(pk=replay_id, finished_at__isnull=True).update(
        outcome=outcome, error=failure or "", finished_at=timezone.now()
    )
    logger.info("%s: %s", replay, outcome.label)
    return outcome
