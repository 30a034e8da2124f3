"""Status badges: what each status of a ticket, card, invoice or plan means to the customer, shown
in words and in the colour of that meaning.

The colours themselves live in `static/portal.css`, one pair of custom properties per tone
(`--tone-<tone>-ink` on `--tone-<tone>-bg`); a unit test reads them there and checks that each
pair reaches WCAG AA contrast.
"""

import enum
from dataclasses import dataclass


class Tone(enum.StrEnum):
    WAITING = "waiting"  # nothing to do for the customer, somebody else acts next
    UNDERWAY = "underway"  # an expert is on it
    DONE = "done"  # finished well, or in good standing
    PROBLEM = "problem"  # the customer has something to do
    OTHER = "other"  # a status this portal does not know yet


@dataclass(frozen=True)
class Badge:
    tone: Tone
    label: str


TONES: dict[str, dict[str, Tone]] = {
    "ticket": {
        "submitted": Tone.WAITING,
        "assigned": Tone.UNDERWAY,
        "in_progress": Tone.UNDERWAY,
        "completed": Tone.DONE,
    },
    "card": {"pending": Tone.WAITING, "active": Tone.DONE, "rejected": Tone.PROBLEM},
    # Billing names the invoice's state; it issues only paid ones today.
    "invoice": {"paid": Tone.DONE},
    "plan": {"current": Tone.DONE},
}
LABELS = {"in_progress": "In progress", "current": "Your plan"}


def status_badge(*, kind: str, status: str) -> Badge:
    """A status never seen before (a newer billing, say) still shows, in words, in a neutral tone."""
    tone = TONES[kind].get(status, Tone.OTHER)
    return Badge(tone=tone, label=LABELS.get(status, status.replace("_", " ").capitalize()))
