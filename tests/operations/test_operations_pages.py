"""The operations pages in the admin: the pipes' status, every quantum's dead letters in one list
(replayed by each letter's own quantum's worker), the message trace, and the admin index that
links them next to the messaging app's section, where the five kernel tables are listed once."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from messaging.models import DeadLetter, DeadLetterReplay, OutboxMessage
from operations.staff_groups import BILLING_ADMINISTRATORS, HELPDESK
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db(databases="__all__")

LETTERS = "/operations/dead-letters/"
TRACE = "/operations/trace/"


@pytest.fixture
def staff_in(client):
    """A staff member of one of the groups `setup_staff_groups` makes, signed in."""
    call_command("setup_staff_groups")

    def sign_in(group: str) -> Client:
        user = get_user_model().objects.create_user(username=group.lower()[:20], is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        return client

    return sign_in


def _no_inline_style_or_script(html: str) -> bool:
    return (
        'style="' not in html
        and "<style" not in html
        and not re.findall(r"<script(?![^>]*\bsrc=)", html)
    )


def _replays_anywhere() -> bool:
    return any(DeadLetterReplay.objects.using(quantum).exists() for quantum in settings.QUANTA)


def test_the_index_links_the_operations_pages_and_the_kernel_tables_once(admin_client):
    page = admin_client.get("/admin/").content.decode()

    for link in ("/operations/status/", LETTERS, TRACE):
        assert f'href="{link}"' in page
    # The messaging app's section, one for every quantum, not one in each quantum's section.
    assert page.count('<a href="/admin/messaging/outboxmessage/">Outbox messages</a>') == 1
    assert page.count('<a href="/admin/messaging/deadletterreplay/">Dead letter replays</a>') == 1
    assert "/admin/ticketing/deadletter/" not in page
    assert "Card summaries" in page


def test_each_quantums_kernel_tables_are_on_the_messaging_apps_pages(admin_client):
    assert admin_client.get("/admin/messaging/deadletter/?quantum=ticketing").status_code == 200
    assert admin_client.get("/admin/messaging/outboxmessage/?quantum=customer").status_code == 200


def test_the_status_page_is_in_the_admins_look_with_its_user_bar(admin_client):
    response = admin_client.get("/operations/status/")

    html = response.content.decode()
    assert 'id="user-tools"' in html
    assert 'action="/admin/logout/"' in html
    assert '<a href="/admin/">Home</a> \u203a Operations \u203a Pipes between the quanta' in html
    assert "0:00:" not in html
    assert _no_inline_style_or_script(html)


def test_every_quantums_letters_in_one_list_newest_first(admin_client, dead_letter):
    older = dead_letter()
    newer = dead_letter(quantum="billing")

    html = admin_client.get(LETTERS).content.decode()

    assert html.index(f'value="billing:{newer.pk}"') < html.index(f'value="ticketing:{older.pk}"')
    assert "ticketing (1)" in re.sub(r"<[^>]+>", "", html)
    assert f"{TRACE}?id={older.envelope['correlation_id']}" in html
    assert _no_inline_style_or_script(html)


def test_the_list_filters_by_quantum(admin_client, dead_letter):
    dead_letter()
    billing = dead_letter(quantum="billing")

    html = admin_client.get(LETTERS, {"quantum": "billing"}).content.decode()

    assert f'value="billing:{billing.pk}"' in html
    assert 'value="ticketing:' not in html
    assert admin_client.get(LETTERS, {"quantum": "nowhere"}).status_code == 400


def test_a_replay_goes_to_the_letters_own_quantums_worker(admin_client, dead_letter, worker_runs):
    letter = dead_letter()

    response = admin_client.post(LETTERS, {"letters": [f"ticketing:{letter.pk}"]}, follow=True)

    assert "1 replay(s) queued for the ticketing worker" in response.content.decode()
    assert re.search(r"<td>queued</td>", response.content.decode())
    assert worker_runs("ticketing") == ["messaging.replay_dead_letter"]
    assert Ticket.objects.count() == 1
    assert not DeadLetter.objects.using("ticketing").exists()
    assert DeadLetterReplay.objects.using("ticketing").get().outcome == "replayed"


@pytest.mark.parametrize("selected", [["ticketing:x"], ["nowhere:1"], []])
def test_a_malformed_selection_replays_nothing_and_says_why(
    admin_client, dead_letter, broker, selected
):
    dead_letter()

    response = admin_client.post(LETTERS, {"letters": selected})

    assert response.status_code == 400
    assert "Nothing replayed: " in response.content.decode()
    assert not _replays_anywhere()
    assert not broker.queued_anywhere()


def test_billing_administrators_see_and_replay_only_billings_letters(staff_in, dead_letter, broker):
    ticketing_letter = dead_letter()
    billing_letter = dead_letter(quantum="billing")
    billie = staff_in(BILLING_ADMINISTRATORS)

    html = billie.get(LETTERS).content.decode()
    forged = billie.post(LETTERS, {"letters": [f"ticketing:{ticketing_letter.pk}"]})

    assert f'value="billing:{billing_letter.pk}"' in html
    assert "ticketing" not in re.sub(r"<[^>]+>", "", html.split('id="content"')[1])
    assert forged.status_code == 400
    assert not _replays_anywhere()
    assert not broker.queued_anywhere()


def test_staff_who_see_no_dead_letters_and_no_trace_are_refused(staff_in):
    helpdesk = staff_in(HELPDESK)

    assert helpdesk.get(LETTERS).status_code == 403
    assert helpdesk.get(TRACE).status_code == 403
    index = helpdesk.get("/admin/").content.decode()
    assert f'href="{LETTERS}"' not in index
    assert f'href="{TRACE}"' not in index
    assert 'href="/operations/status/"' in index


def test_the_trace_page_draws_the_hops_as_a_sequence_diagram(
    admin_client, dead_letter, worker_runs
):
    letter = dead_letter()
    sent = OutboxMessage.objects.using("customer").get()
    ticket_id = sent.payload["ticket_id"]

    response = admin_client.get(TRACE, {"id": ticket_id})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg viewBox="0 0 ' in html and 'role="img"' in html
    for lifeline in ("customer", "broker", "ticketing"):
        assert re.search(rf'<text class="lifeline-name"[^>]*>{lifeline}</text>', html)
    assert html.count('<g class="hop ') == 3
    assert '<g class="hop hop-dead-lettered">' in html
    assert f"TicketCreated {letter.message_id}: dead-lettered: after 5 deliveries" in html
    assert 'id="user-tools"' in html
    assert _no_inline_style_or_script(html)


@pytest.mark.parametrize(
    ("given", "status", "problem"),
    [
        ("ticket 42", 400, "is not an id"),
        ("0d7f4f5e-8f5a-4d1e-9c36-6f1f0d3b2a10", 404, "no message names 0d7f4f5e"),
    ],
)
def test_the_trace_page_says_what_is_wrong_with_the_id(admin_client, given, status, problem):
    response = admin_client.get(TRACE, {"id": given})

    assert response.status_code == status
    assert problem in response.content.decode()
    assert "<svg viewBox" not in response.content.decode()
