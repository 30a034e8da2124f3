"""`manage.py replay_dead_letters`: one message or all, a clear one-line error otherwise."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from messaging.models import DeadLetter
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db(databases="__all__")


def test_replaying_all_applies_every_dead_letter(dead_letter, capsys):
    dead_letter()
    dead_letter()

    call_command("replay_dead_letters", "--all")

    assert Ticket.objects.count() == 2
    assert not DeadLetter.objects.using("ticketing").exists()
    assert "2 replayed, 0 still failing" in capsys.readouterr().out


def test_replaying_one_message_leaves_the_others(dead_letter):
    chosen, other = dead_letter(), dead_letter()

    call_command("replay_dead_letters", "--message", str(chosen.message_id))

    assert list(DeadLetter.objects.using("ticketing").all()) == [other]
    assert Ticket.objects.count() == 1


def test_a_letter_that_still_fails_keeps_its_place_and_the_command_fails(dead_letter):
    dead_letter({"garbage": True})

    with pytest.raises(CommandError, match="1 dead letter\\(s\\) still fail"):
        call_command("replay_dead_letters", "--all", "--quantum", "ticketing")

    assert "malformed envelope" in DeadLetter.objects.using("ticketing").get().error


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--message", str(uuid.UUID(int=1))], "no dead letter with message id"),
        (["--all", "--quantum", "payroll"], "unknown quantum 'payroll'; choose from customer"),
    ],
)
def test_a_request_that_names_nothing_real_fails_with_one_line(arguments, error):
    with pytest.raises(CommandError, match=error):
        call_command("replay_dead_letters", *arguments)
