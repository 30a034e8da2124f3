"""The committed JSON Schemas are the contracts' own, and no change reaches them that would break a
reader or writer of a version still in use."""

import json
import shutil
from typing import ClassVar

import pytest

from message_contracts import registry
from message_contracts.tickets import TicketCreated, TicketCreatedV2
from messaging.contract import ContractViolation, Message


def test_the_committed_schemas_are_the_contracts_own():
    """Fails after a contract changed without `python -m message_contracts.registry`."""
    current = registry.contract_schemas()
    committed = {path.name: path.read_text() for path in registry.SCHEMA_FOLDER.glob("*.json")}

    assert sorted(committed) == sorted(current)
    for name, schema in current.items():
        assert committed[name] == registry.rendered(schema), f"{name} differs from its contract"


def test_every_version_reads_its_neighbours_and_none_changed_in_place():
    assert (
        registry.evolution_problems(
            committed=registry.committed_schemas(), current=registry.contract_schemas()
        )
        == []
    )


def test_ticket_created_v1_and_v2_read_each_others_messages(ticket_created):
    first = ticket_created()
    second = TicketCreatedV2(**first.model_dump(), customer_region="Springfield")

    assert first.read_as(TicketCreatedV2).customer_region == ""
    assert second.read_as(TicketCreated) == first


@pytest.fixture
def schemas(tmp_path):
    folder = tmp_path / "schemas"
    shutil.copytree(registry.SCHEMA_FOLDER, folder)
    return folder


def as_committed(folder, name, edit):
    path = folder / name
    schema = json.loads(path.read_text())
    edit(schema)
    path.write_text(registry.rendered(schema))


def test_a_published_version_changed_in_place_is_refused_and_nothing_written(schemas):
    """As if TicketCreated v1 had carried a field the code has since dropped."""

    def with_a_field_since_dropped(schema):
        schema["properties"]["channel"] = {"type": "string"}
        schema["required"].append("channel")

    as_committed(schemas, "TicketCreated.v1.json", with_a_field_since_dropped)
    before = {path.name: path.read_text() for path in schemas.iterdir()}

    with pytest.raises(registry.EvolutionRefused) as refusal:
        registry.schemas_write(schemas)

    assert refusal.value.problems == [
        "TicketCreated v1 changed in place: channel: written by the writer, refused by the reader",
        "TicketCreated v1 changed in place: channel: required by the reader, never written by "
        "the writer",
    ]
    assert {path.name: path.read_text() for path in schemas.iterdir()} == before


def test_a_committed_version_no_contract_defines_is_refused(schemas):
    as_committed(schemas, "TicketCreated.v1.json", lambda s: s.update({"x-version": 0}))
    (schemas / "TicketCreated.v1.json").rename(schemas / "TicketCreated.v0.json")

    with pytest.raises(registry.EvolutionRefused, match="TicketCreated v0 is committed but no"):
        registry.schemas_write(schemas)


def test_a_new_version_that_breaks_the_one_before_is_refused(schemas):
    """A version 3 that drops the customer's name and shortens the title."""
    current = registry.contract_schemas()
    newer = json.loads(json.dumps(current["TicketCreated.v2.json"])) | {"x-version": 3}
    del newer["properties"]["customer_name"]
    newer["required"].remove("customer_name")
    newer["properties"]["title"]["maxLength"] = 100
    current["TicketCreated.v3.json"] = newer

    problems = registry.evolution_problems(
        committed=registry.committed_schemas(schemas), current=current
    )

    assert problems == [
        "TicketCreated v2 → v3: BACKWARD (the newer reads the older's messages): title: at most "
        "100 characters now, the writer may write more",
        "TicketCreated v2 → v3: FORWARD (the older reads the newer's messages): customer_name: "
        "required by the reader, never written by the writer",
    ]


def test_the_command_writes_the_schemas_of_a_new_version(schemas):
    (schemas / "TicketCreated.v2.json").unlink()

    assert registry.schemas_write(schemas) == ["TicketCreated.v2.json"]
    assert registry.schemas_write(schemas) == []


def test_reading_a_message_as_a_version_it_does_not_fit_is_a_contract_violation(
    ticket_created, monkeypatch
):
    monkeypatch.setattr(Message, "_known", dict(Message._known))

    class Shelved(Message):
        TYPE: ClassVar[str] = "TicketCreated"
        VERSION: ClassVar[int] = 99
        RECEIVER: ClassVar[str] = "ticketing"

        shelf: str

    with pytest.raises(ContractViolation, match="TicketCreated v1 does not read as v99: shelf"):
        ticket_created().read_as(Shelved)
    assert Message.contract_for("TicketCreated", 99) is Shelved
