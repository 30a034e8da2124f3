"""Message contracts: validated on both sides, unknown or malformed messages named clearly."""

import uuid

import pytest
from django.utils import timezone
from pydantic import ValidationError

from message_contracts.tickets import TicketCreated
from messaging.contract import ContractViolation, Envelope, Message


def envelope(**changes) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "TicketCreated",
        "version": 1,
        "occurred_at": timezone.now().isoformat(),
        "correlation_id": str(uuid.uuid4()),
        "sender": "customer",
        "payload": {},
    } | changes


def test_the_sender_cannot_build_a_message_that_breaks_its_contract(ticket_created):
    with pytest.raises(ValidationError):
        ticket_created(priority="whenever")


def test_an_envelope_opens_into_the_message_it_carries(ticket_created):
    message = ticket_created()
    raw = envelope(payload=message.model_dump(mode="json"))

    assert Envelope.parse(raw).open() == message


def test_an_unknown_type_or_version_is_a_contract_violation():
    with pytest.raises(ContractViolation, match="unknown message type 'TicketCreated' version 9"):
        Envelope.parse(envelope(version=9)).open()


def test_a_malformed_envelope_names_what_is_missing():
    raw = envelope()
    del raw["correlation_id"]

    with pytest.raises(
        ContractViolation, match="malformed envelope: correlation_id: Field required"
    ):
        Envelope.parse(raw)


def test_an_invalid_payload_names_the_field_but_never_repeats_its_value(ticket_created):
    payload = ticket_created().model_dump(mode="json") | {"priority": "4111111111111111"}

    with pytest.raises(ContractViolation) as violation:
        Envelope.parse(envelope(payload=payload)).open()

    assert "priority" in str(violation.value)
    assert "4111111111111111" not in str(violation.value)


def test_a_payload_with_unexpected_fields_is_refused(ticket_created):
    payload = ticket_created().model_dump(mode="json") | {"surprise": 1}

    with pytest.raises(ContractViolation, match="surprise"):
        Envelope.parse(envelope(payload=payload)).open()


def test_two_contracts_cannot_claim_the_same_type_and_version():
    with pytest.raises(TypeError, match="two contracts claim TicketCreated version 1"):

        class Impostor(Message):
            TYPE = "TicketCreated"
            VERSION = 1
            RECEIVER = "ticketing"

    assert Message.contract_for("TicketCreated", 1) is TicketCreated
