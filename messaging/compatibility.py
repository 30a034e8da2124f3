"""Whether one version of a message contract can read what another wrote, judged on their JSON
Schemas as a schema registry judges two versions of a subject: BACKWARD (the newer reads the older's
messages: a receiver upgraded first) and FORWARD (the older reads the newer's: a sender upgraded
first, or a receiver rolled back).

Between versions, reading follows `Message.read_as`: the reader ignores the message's fields it
does not know and fills those it knows but the message lacks from their defaults. Objects inside a
message are read as they are, so their unknown fields count. The check is sound, not complete: whatever it cannot
prove readable (two regular expressions that differ, a keyword it does not know) it reports.
"""

from typing import Any

Schema = dict[str, Any]

# Keywords that describe a value without constraining it.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples"})
_COMPARED = frozenset(
    {
        "type",
        "enum",
        "const",
        "anyOf",
        "oneOf",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    }
)
_JSON_TYPES = ("null", "boolean", "object", "array", "string", "number", "integer")


def compatibility_problems(*, older: Schema, newer: Schema) -> list[str]:
    """Both directions between two consecutive versions; empty when they are FULL compatible."""
    return [
        f"BACKWARD (the newer reads the older's messages): {problem}"
        for problem in reading_problems(reader=newer, writer=older)
    ] + [
        f"FORWARD (the older reads the newer's messages): {problem}"
        for problem in reading_problems(reader=older, writer=newer)
    ]


def reading_problems(
    *, reader: Schema, writer: Schema, unknown_fields_ignored: bool = True
) -> list[str]:
    """Why some message valid under `writer` would not read under `reader`; empty if none would.
    Without `unknown_fields_ignored` the reader refuses a field it does not know, as a contract
    does when it opens a message of its own version."""
    return _Comparison(reader, writer).fields(
        "", reader, writer, ignore_unknown=unknown_fields_ignored
    )


class _Comparison:
    def __init__(self, reader_root: Schema, writer_root: Schema) -> None:
        self.reader_root = reader_root
        self.writer_root = writer_root

    def fields(
        self, path: str, reader: Schema, writer: Schema, *, ignore_unknown: bool
    ) -> list[str]:
        reader_fields: dict[str, Schema] = reader.get("properties", {})
        writer_fields: dict[str, Schema] = writer.get("properties", {})
        writer_required = set(writer.get("required", ()))
        problems = []
        for name in reader.get("required", ()):
            if name not in writer_fields:
                problems.append(
                    f"{path}{name}: required by the reader, never written by the writer"
                )
            elif name not in writer_required:
                problems.append(f"{path}{name}: required by the reader, optional for the writer")
        for name, reader_field in reader_fields.items():
            if name in writer_fields:
                problems += self.values(f"{path}{name}", reader_field, writer_fields[name])
        extra_allowed = writer.get("additionalProperties", True) is not False
        if not ignore_unknown and reader.get("additionalProperties", True) is False:
            problems += [
                f"{path}{name}: written by the writer, refused by the reader"
                for name in writer_fields
                if name not in reader_fields
            ]
            if extra_allowed:
                problems.append(f"{path or 'the message'}: the writer allows any other field")
        return problems

    def values(self, path: str, reader: Schema, writer: Schema) -> list[str]:
        reader = _resolved(self.reader_root, reader)
        writer = _resolved(self.writer_root, writer)
        for keyword in ("anyOf", "oneOf"):
            if keyword in writer:
                return [
                    problem
                    for branch in writer[keyword]
                    for problem in self.values(path, reader, _merged(writer, keyword, branch))
                ]
        for keyword in ("anyOf", "oneOf"):
            if keyword in reader:
                branches = [_merged(reader, keyword, branch) for branch in reader[keyword]]
                if any(not self.values(path, branch, writer) for branch in branches):
                    return []
                return [f"{path}: {_shown(writer)} is not among what the reader takes"]
        problems = [
            f"{path}: the reader's {keyword!r} cannot be compared"
            for keyword in reader.keys() - _COMPARED - _ANNOTATIONS
            if reader[keyword] != writer.get(keyword)
        ]
        return problems + self._types(path, reader, writer)

    def _types(self, path: str, reader: Schema, writer: Schema) -> list[str]:
        reader_types, writer_types = _types(reader), _types(writer)
        lost = [t for t in writer_types if not _covered(t, reader_types)]
        if lost:
            return [f"{path}: the writer may write {' or '.join(lost)}, the reader refuses it"]
        problems = self._choices(path, reader, writer)
        if "string" in writer_types:
            problems += _bounds(path, reader, writer, "minLength", "maxLength", "characters")
            problems += _same(path, reader, writer, "pattern")
            problems += _same(path, reader, writer, "format")
        if {"number", "integer"} & set(writer_types):
            problems += _number_bounds(path, reader, writer)
            problems += _same(path, reader, writer, "multipleOf")
        if "array" in writer_types:
            problems += _bounds(path, reader, writer, "minItems", "maxItems", "items")
            if reader.get("uniqueItems") and not writer.get("uniqueItems"):
                problems.append(f"{path}: the reader wants unique items, the writer does not")
            if "items" in reader:
                problems += self.values(f"{path}[]", reader["items"], writer.get("items", {}))
        if "object" in writer_types:
            problems += _bounds(path, reader, writer, "minProperties", "maxProperties", "fields")
            problems += self.fields(f"{path}.", reader, writer, ignore_unknown=False)
            reader_extra = reader.get("additionalProperties", True)
            writer_extra = writer.get("additionalProperties", True)
            if isinstance(reader_extra, dict):
                problems += self.values(
                    f"{path}.*",
                    reader_extra,
                    writer_extra if isinstance(writer_extra, dict) else {},
                )
        return problems

    def _choices(self, path: str, reader: Schema, writer: Schema) -> list[str]:
        reader_values = _choices(reader)
        if reader_values is None:
            return []
        writer_values = _choices(writer)
        if writer_values is None:
            return [f"{path}: the reader takes only {reader_values}, the writer any value"]
        lost = [value for value in writer_values if value not in reader_values]
        return [f"{path}: the reader no longer takes {lost}"] if lost else []


def _resolved(root: Schema, node: Schema) -> Schema:
    """The node with its `$ref` (pydantic's `#/$defs/Name`) replaced by what it names."""
    seen = set()
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/") or ref in seen:
            raise ValueError(f"cannot resolve {ref!r}")
        seen.add(ref)
        rest = {key: value for key, value in node.items() if key != "$ref"}
        node = {**root["$defs"][ref.removeprefix("#/$defs/")], **rest}
    return node


def _merged(node: Schema, keyword: str, branch: Schema) -> Schema:
    """One branch of a union, with the constraints written beside the union."""
    return {**{key: value for key, value in node.items() if key != keyword}, **branch}


def _types(node: Schema) -> list[str]:
    declared = node.get("type")
    if declared is not None:
        return [declared] if isinstance(declared, str) else list(declared)
    values = _choices(node)
    if values is not None:
        return sorted({_type_of(value) for value in values})
    if "properties" in node or "additionalProperties" in node:
        return ["object"]
    if "items" in node:
        return ["array"]
    return list(_JSON_TYPES)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _covered(json_type: str, reader_types: list[str]) -> bool:
    return json_type in reader_types or (json_type == "integer" and "number" in reader_types)


def _choices(node: Schema) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    return node.get("enum")


def _shown(node: Schema) -> str:
    return " or ".join(_types(node)) if "type" in node else "a value"


def _bounds(path: str, reader: Schema, writer: Schema, low: str, high: str, unit: str) -> list[str]:
    problems = []
    if low in reader and reader[low] > writer.get(low, 0):
        problems.append(f"{path}: at least {reader[low]} {unit} now, the writer may write fewer")
    if high in reader and (high not in writer or reader[high] < writer[high]):
        problems.append(f"{path}: at most {reader[high]} {unit} now, the writer may write more")
    return problems


def _same(path: str, reader: Schema, writer: Schema, keyword: str) -> list[str]:
    if keyword in reader and reader[keyword] != writer.get(keyword):
        return [f"{path}: the reader's {keyword} {reader[keyword]!r} differs from the writer's"]
    return []


def _number_bounds(path: str, reader: Schema, writer: Schema) -> list[str]:
    """Each side's lowest and highest number as (value, excluded); a reader's bound must be as wide
    as the writer's."""
    problems = []
    for inclusive, exclusive, below in (
        ("minimum", "exclusiveMinimum", True),
        ("maximum", "exclusiveMaximum", False),
    ):
        reader_bound = _bound(reader, inclusive, exclusive, below)
        if reader_bound is None:
            continue
        writer_bound = _bound(writer, inclusive, exclusive, below)
        word = "above" if below else "below"
        if writer_bound is None:
            problems.append(f"{path}: the reader wants numbers {word} a bound, the writer does not")
            continue
        (reader_value, reader_open), (writer_value, writer_open) = reader_bound, writer_bound
        narrower = reader_value > writer_value if below else reader_value < writer_value
        if narrower or (reader_value == writer_value and reader_open and not writer_open):
            problems.append(
                f"{path}: the reader's bound {reader_value} is narrower than the writer's"
            )
    return problems


def _bound(node: Schema, inclusive: str, exclusive: str, below: bool) -> tuple[float, bool] | None:
    candidates = [(node[inclusive], False)] if inclusive in node else []
    if exclusive in node:
        candidates.append((node[exclusive], True))
    if not candidates:
        return None
    # The tighter of the two: the highest lower bound, the lowest upper bound.
    order = sorted(candidates, key=lambda bound: (bound[0], bound[1] if below else not bound[1]))
    return order[-1] if below else order[0]
