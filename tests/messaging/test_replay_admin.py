"""Replaying dead letters from the admin: the web process only records the request and queues it to
the quantum's worker, which runs the handler (billing's may open card data, whose keys the web does
not hold); the lists show it queued, then its outcome. Replaying needs a permission of its own,
which only a quantum's administrators get."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client

from messaging.models import DeadLetter, DeadLetterReplay
from operations.staff_groups import BILLING_ADMINISTRATORS
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db(databases="__all__")

LETTERS = "/admin/messaging/deadletter/?quantum=ticketing"
REPLAYS = "/admin/messaging/deadletterreplay/?quantum=ticketing"


def replay(client: Client, *letters, page: str = LETTERS):
    return client.post(
        page,
        {"action": "replay", "_selected_action": [letter.pk for letter in letters]},
        follow=True,
    )


def test_a_replay_is_queued_for_the_quantums_worker_then_shows_its_outcome(
    admin_client, dead_letter, worker_runs
):
    letter = dead_letter()

    response = replay(admin_client, letter)

    assert "1 replay(s) queued for the ticketing worker" in response.content.decode()
    assert DeadLetter.objects.using("ticketing").filter(pk=letter.pk).exists()
    assert not Ticket.objects.exists()
    assert '<td class="field-last_replay">queued</td>' in admin_client.get(LETTERS).content.decode()

    assert worker_runs("ticketing") == ["messaging.replay_dead_letter"]

    assert Ticket.objects.count() == 1
    assert not DeadLetter.objects.using("ticketing").exists()
    replayed = DeadLetterReplay.objects.using("ticketing").get()
    assert (replayed.outcome, replayed.requested_by, str(replayed.message_id)) == (
        "replayed",
        "admin",
        str(letter.message_id),
    )
    assert replayed.finished_at is not None
    assert '<td class="field-state">Replayed</td>' in admin_client.get(REPLAYS).content.decode()


def test_a_letter_that_still_fails_stays_and_both_lists_say_so(
    admin_client, dead_letter, worker_runs
):
    letter = dead_letter({"garbage": True})

    replay(admin_client, letter)
    worker_runs("ticketing")

    letter.refresh_from_db()
    assert "malformed envelope" in letter.error
    assert letter.deliveries == 6
    replayed = DeadLetterReplay.objects.using("ticketing").get()
    assert replayed.outcome == "still fails"
    assert "malformed envelope" in replayed.error
    assert "still fails" in admin_client.get(LETTERS).content.decode()


def test_a_letter_gone_before_its_replay_ran_is_reported_gone(
    admin_client, dead_letter, worker_runs
):
    letter = dead_letter()
    replay(admin_client, letter)
    letter.delete()

    worker_runs("ticketing")

    assert DeadLetterReplay.objects.using("ticketing").get().outcome == "gone"
    assert not Ticket.objects.exists()


def test_a_replay_delivered_twice_applies_once(admin_client, dead_letter, broker, worker_runs):
    replay(admin_client, dead_letter())
    (task,) = broker.queued("ticketing")

    worker_runs("ticketing")
    broker.put("ticketing", task)
    worker_runs("ticketing")

    assert Ticket.objects.count() == 1
    assert DeadLetterReplay.objects.using("ticketing").get().outcome == "replayed"


def test_staff_who_may_only_view_dead_letters_cannot_replay_them(client, dead_letter, broker):
    viewer = get_user_model().objects.create_user(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="messaging", codename="see_ticketing_messages"
        )
    )
    client.force_login(viewer)
    letter = dead_letter()

    page = client.get(LETTERS)
    forged = replay(client, letter)

    assert page.status_code == 200
    assert 'value="replay"' not in page.content.decode()
    assert forged.status_code == 200
    assert DeadLetter.objects.using("ticketing").filter(pk=letter.pk).exists()
    assert not DeadLetterReplay.objects.using("ticketing").exists()
    assert not broker.queued_anywhere()


def test_billing_administrators_replay_billings_dead_letters_and_no_other_quantums(
    client, dead_letter
):
    call_command("setup_staff_groups")
    billie = get_user_model().objects.create_user(username="billie", is_staff=True)
    billie.groups.add(Group.objects.get(name=BILLING_ADMINISTRATORS))
    client.force_login(billie)
    dead_letter(quantum="billing")

    assert billie.has_perm("messaging.replay_billing_deadletters")
    page = client.get("/admin/messaging/deadletter/?quantum=billing").content.decode()
    assert 'value="replay"' in page
    assert client.get(LETTERS).status_code == 403
    assert not any(
        billie.has_perm(f"messaging.replay_{quantum}_deadletters")
        for quantum in ("customer", "ticketing", "analytics", "notifications")
    )


def test_a_replay_the_broker_refuses_says_so_and_the_letter_stays(
    admin_client, dead_letter, broker
):
    letter = dead_letter()
    broker.refuse()

    response = replay(admin_client, letter)

    assert response.status_code == 200
    assert "Not queued, the broker refused" in response.content.decode()
    refused = DeadLetterReplay.objects.using("ticketing").get()
    assert (refused.outcome, refused.finished_at is not None) == ("not queued", True)
    assert DeadLetter.objects.using("ticketing").filter(pk=letter.pk).exists()
    assert not Ticket.objects.exists()
