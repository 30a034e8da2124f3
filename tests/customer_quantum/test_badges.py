"""Status badges: each status shows its meaning in words and in a colour pair that people with low
vision can read (WCAG 2.2 AA: text contrast of at least 4.5:1)."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from customer_quantum.badges import TONES, Badge, Tone, status_badge
from customer_quantum.models import CardStatus, TicketStatus

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "portal.css"
WCAG_AA_TEXT = 4.5


def colour_pairs() -> dict[str, tuple[str, str]]:
    """Each tone's (text, background) colours as the stylesheet declares them."""
    css = STYLESHEET.read_text()
    declared = dict(re.findall(r"--tone-([a-z]+-(?:ink|bg)):\s*(#[0-9a-fA-F]{6})\s*;", css))
    return {tone: (declared[f"{tone}-ink"], declared[f"{tone}-bg"]) for tone in Tone}


def relative_luminance(colour: str) -> float:
    """WCAG's definition: the sRGB channels linearised, weighted by how bright each looks."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    lighter, darker = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_ratio_is_computed_as_wcag_defines_it():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#123456", "#123456") == 1


@pytest.mark.parametrize("tone", list(Tone))
def test_each_tone_reads_at_wcag_aa_contrast(tone):
    ink, background = colour_pairs()[tone]

    assert contrast_ratio(ink, background) >= WCAG_AA_TEXT, (tone, ink, background)


@pytest.mark.parametrize("tone", list(Tone))
def test_each_tone_has_its_rule_in_the_stylesheet(tone):
    rule = f".tone-{tone} {{ color: var(--tone-{tone}-ink); background: var(--tone-{tone}-bg); }}"

    assert rule in STYLESHEET.read_text()


def test_tones_differ_from_each_other():
    assert len(set(colour_pairs().values())) == len(Tone)


@pytest.mark.parametrize(
    ("kind", "statuses"), [("ticket", TicketStatus.values), ("card", CardStatus.values)]
)
def test_every_known_status_has_a_meaning(kind, statuses):
    assert sorted(TONES[kind]) == sorted(statuses)
    assert all(status_badge(kind=kind, status=status).tone != Tone.OTHER for status in statuses)


def test_a_pending_card_does_not_look_like_an_active_or_a_rejected_one():
    tones = {status: status_badge(kind="card", status=status).tone for status in CardStatus.values}

    assert tones == {"pending": Tone.WAITING, "active": Tone.DONE, "rejected": Tone.PROBLEM}


def test_an_unknown_status_still_shows_in_words():
    assert status_badge(kind="invoice", status="partly_refunded") == Badge(
        tone=Tone.OTHER, label="Partly refunded"
    )


def test_the_badge_tag_shows_the_words_in_the_tone_of_their_meaning():
    page = Template('{% load portal %}{% badge "ticket" status %}').render(
        Context({"status": "in_progress"})
    )

    assert page == '<span class="status tone-underway">In progress</span>'
