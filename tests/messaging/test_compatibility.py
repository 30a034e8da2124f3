"""The compatibility checker on crafted pairs of schemas: each change a schema registry refuses is
named in the direction it breaks, and what it allows passes both ways."""

import copy

import pytest

from messaging.compatibility import compatibility_problems, reading_problems

BASE = {
    "type": "object",
    "additionalProperties": False,
    "$defs": {"Priority": {"type": "string", "enum": ["low", "high"]}},
    "properties": {
        "ticket_id": {"type": "string", "format": "uuid"},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "count": {"type": "integer", "minimum": 0},
        "priority": {"$ref": "#/$defs/Priority"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
        "line": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"amount": {"type": "number"}},
            "required": ["amount"],
        },
    },
    "required": ["ticket_id", "title", "count", "priority", "tags", "line"],
}


def changed(edit) -> dict:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


def directions(newer: dict) -> set[str]:
    return {problem.split(" ")[0] for problem in compatibility_problems(older=BASE, newer=newer)}


def test_a_version_is_compatible_with_itself():
    assert compatibility_problems(older=BASE, newer=copy.deepcopy(BASE)) == []


def test_an_optional_field_added_or_removed_breaks_nobody():
    added = changed(lambda s: s["properties"].update(region={"type": "string", "default": ""}))
    removed = changed(lambda s: s["properties"].pop("note"))

    assert compatibility_problems(older=BASE, newer=added) == []
    assert compatibility_problems(older=BASE, newer=removed) == []


def test_a_required_field_added_breaks_the_newer_reading_older_messages():
    def add(schema):
        schema["properties"]["region"] = {"type": "string"}
        schema["required"].append("region")

    assert compatibility_problems(older=BASE, newer=changed(add)) == [
        "BACKWARD (the newer reads the older's messages): region: required by the reader, "
        "never written by the writer"
    ]


def test_a_required_field_removed_breaks_the_older_reading_newer_messages():
    def remove(schema):
        del schema["properties"]["title"]
        schema["required"].remove("title")

    assert compatibility_problems(older=BASE, newer=changed(remove)) == [
        "FORWARD (the older reads the newer's messages): title: required by the reader, "
        "never written by the writer"
    ]


def test_a_renamed_field_breaks_both_ways():
    def rename(schema):
        schema["properties"]["headline"] = schema["properties"].pop("title")
        schema["required"] = ["headline" if f == "title" else f for f in schema["required"]]

    assert directions(changed(rename)) == {"BACKWARD", "FORWARD"}


def test_a_field_made_required_breaks_the_newer_reading_older_messages():
    assert directions(changed(lambda s: s["required"].append("note"))) == {"BACKWARD"}


@pytest.mark.parametrize(
    "narrow",
    [
        pytest.param(lambda s: s["properties"]["title"].update(maxLength=100), id="shorter"),
        pytest.param(lambda s: s["properties"]["title"].update(minLength=3), id="longer"),
        pytest.param(lambda s: s["properties"]["count"].update(minimum=1), id="higher minimum"),
        pytest.param(lambda s: s["properties"]["count"].update(maximum=9), id="new maximum"),
        pytest.param(lambda s: s["$defs"]["Priority"]["enum"].remove("low"), id="fewer choices"),
        pytest.param(lambda s: s["properties"].update(note={"type": "string"}), id="null refused"),
        pytest.param(lambda s: s["properties"]["tags"].update(maxItems=2), id="fewer items"),
        pytest.param(
            lambda s: s["properties"]["tags"]["items"].update(pattern="^[a-z]+$"), id="pattern"
        ),
        pytest.param(lambda s: s["properties"].update(count={"type": "string"}), id="another type"),
        pytest.param(
            lambda s: s["properties"]["line"]["properties"].update(amount={"type": "integer"}),
            id="number to integer, inside an object",
        ),
    ],
)
def test_a_type_narrowed_breaks_the_newer_reading_older_messages(narrow):
    assert "BACKWARD" in directions(changed(narrow))


@pytest.mark.parametrize(
    "widen",
    [
        pytest.param(lambda s: s["properties"]["title"].pop("maxLength"), id="unbounded"),
        pytest.param(lambda s: s["$defs"]["Priority"]["enum"].append("urgent"), id="more choices"),
        pytest.param(
            lambda s: s["properties"].update(count={"type": "number", "minimum": 0}),
            id="integer to number",
        ),
    ],
)
def test_a_type_widened_breaks_the_older_reading_newer_messages(widen):
    assert directions(changed(widen)) == {"FORWARD"}


def test_a_field_added_inside_an_object_breaks_the_older_reading_newer_messages():
    def add(schema):
        schema["properties"]["line"]["properties"]["currency"] = {"type": "string"}

    assert compatibility_problems(older=BASE, newer=changed(add)) == [
        "FORWARD (the older reads the newer's messages): line.currency: written by the "
        "writer, refused by the reader"
    ]


def test_in_place_a_reader_refuses_the_fields_it_does_not_know():
    added = changed(lambda s: s["properties"].update(region={"type": "string", "default": ""}))

    assert reading_problems(reader=BASE, writer=added) == []
    assert reading_problems(reader=BASE, writer=added, unknown_fields_ignored=False) == [
        "region: written by the writer, refused by the reader"
    ]


def test_what_it_cannot_compare_is_reported_not_passed():
    multiple = changed(lambda s: s["properties"]["count"].update(**{"not": {"const": 3}}))

    assert reading_problems(reader=multiple, writer=BASE) == [
        "count: the reader's 'not' cannot be compared"
    ]
