"""Every quantum's dead letters in one list, newest first, and replays asked for across quanta.

Each quantum keeps its letters in its own database; the list reads each one (a database that is
away is named, the others still listed) and a replay still goes to the letter's own quantum's
worker (messaging.replays), which holds what its handler may need.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, models

from messaging.admin import replay_state
from messaging.errors import describe_error
from messaging.models import DeadLetter, DeadLetterReplay
from messaging.replays import dead_letters_replay_request
from operations.trace import envelope_correlation_id


@dataclass(frozen=True)
class ListedLetter:
    quantum: str
    letter: models.Model
    last_replay: str  # "—" never asked, "queued", or how it ended
    correlation_id: uuid.UUID | None  # the operation it belongs to, to trace it

    @property
    def dead_since(self) -> datetime:
        return self.letter.dead_since

    @property
    def key(self) -> str:
        """How a form names it: its quantum and its row."""
        return f"{self.quantum}:{self.letter.pk}"


@dataclass(frozen=True)
class DeadLetters:
    shown: list[ListedLetter]  # the newest of the quanta listed, at most `limit`
    counts: dict[str, int | None]  # every quantum asked: how many it holds (None: unreadable)
    unreadable: dict[str, str] = field(default_factory=dict)  # quantum → why it could not be read


def dead_letters_listed(*, quanta: list[str], only: str | None = None, limit: int) -> DeadLetters:
    """Counts the letters of every quantum of `quanta`, and lists those of `only` (or of all)."""
    counts, unreadable, listed = {}, {}, []
    for quantum in quanta:
        letters = DeadLetter.objects.using(quantum)
        try:
            counts[quantum] = letters.count()
            if only not in (None, quantum):
                continue
            newest = list(letters.order_by("-dead_since")[:limit])
            latest_replays = _latest_replays(quantum, [letter.pk for letter in newest])
        except DatabaseError as error:
            counts[quantum], unreadable[quantum] = None, describe_error(error)
            continue
        for letter in newest:
            replay = latest_replays.get(letter.pk)
            listed.append(
                ListedLetter(
                    quantum=quantum,
                    letter=letter,
                    last_replay=replay_state(
                        requested_at=replay and replay.requested_at,
                        outcome=replay.get_outcome_display() if replay and replay.outcome else "",
                    ),
                    correlation_id=envelope_correlation_id(letter.envelope),
                )
            )
    listed.sort(key=lambda listed_letter: listed_letter.dead_since, reverse=True)
    return DeadLetters(shown=listed[:limit], counts=counts, unreadable=unreadable)


def dead_letters_replay(
    *, letters: dict[str, list[int]], requested_by: str
) -> list[tuple[str, int, str | None]]:
    """Queues a replay of each letter (ids by quantum) on its quantum's worker; per quantum, how
    many were queued and, if its broker refused, why. Letters gone meanwhile are left out."""
    outcomes = []
    for quantum, ids in letters.items():
        found = DeadLetter.objects.using(quantum).filter(pk__in=ids)
        queued, refusal = dead_letters_replay_request(
            quantum=quantum, letters=found, requested_by=requested_by
        )
        outcomes.append((quantum, queued, refusal))
    return outcomes


def _latest_replays(quantum: str, letter_ids: list[int]) -> dict[int, models.Model]:
    latest = {}
    replays = DeadLetterReplay.objects.using(quantum).filter(letter_id__in=letter_ids)
    for replay in replays.order_by("requested_at"):
        latest[replay.letter_id] = replay
    return latest
