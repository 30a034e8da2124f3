"""The JSON Schema of every contract version, kept in `message_contracts/schemas/` as a schema
registry keeps them, and the rules a new version must pass there.

`python -m message_contracts.registry` writes the schemas from the contract classes; it refuses, and
writes nothing, while a version would break a reader or a writer of another still in use:

- a published version changes only if what it accepts stays exactly the same (its readers and
  writers are already deployed, and a message of one version is opened by that version's class,
  which refuses fields it does not know);
- each version is FULL compatible with the one before it (BACKWARD and FORWARD, as
  messaging/compatibility.py judges them) and travels to the same receiver;
- a committed version stays defined until its file is deleted, once none of its messages can still
  be sent or wait in an outbox or among dead letters.
"""

import importlib
import json
import pkgutil
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import message_contracts
from messaging.compatibility import compatibility_problems, reading_problems
from messaging.contract import Message

SCHEMA_FOLDER = Path(__file__).resolve().parent / "schemas"

Schema = dict[str, Any]


def contract_schemas() -> dict[str, Schema]:
    """Every contract version the code defines, by file name (`TicketCreated.v2.json`)."""
    for module in pkgutil.iter_modules(message_contracts.__path__):
        importlib.import_module(f"message_contracts.{module.name}")
    return {
        f"{contract.TYPE}.v{contract.VERSION}.json": contract.json_schema()
        for contract in Message.contracts()
        if contract.__module__.startswith(f"{message_contracts.__name__}.")
    }


def committed_schemas(folder: Path = SCHEMA_FOLDER) -> dict[str, Schema]:
    return {path.name: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


def rendered(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def evolution_problems(*, committed: dict[str, Schema], current: dict[str, Schema]) -> list[str]:
    """What would break a reader or writer if `current` replaced `committed`; empty if nothing."""
    problems = []
    for name, published in committed.items():
        schema = current.get(name)
        if schema is None:
            problems.append(
                f"{_label(published)} is committed but no contract defines it: delete "
                f"{name} once none of its messages can be sent or wait to be handled"
            )
            continue
        problems += [
            f"{_label(schema)} changed in place: {problem}"
            for reader, writer in ((schema, published), (published, schema))
            for problem in reading_problems(
                reader=reader, writer=writer, unknown_fields_ignored=False
            )
        ]
    by_type: dict[str, list[Schema]] = {}
    for schema in current.values():
        by_type.setdefault(schema["x-message-type"], []).append(schema)
    for versions in by_type.values():
        versions.sort(key=lambda schema: schema["x-version"])
        for older, newer in pairwise(versions):
            pair = f"{_label(older)} → v{newer['x-version']}"
            if newer["x-version"] != older["x-version"] + 1:
                problems.append(f"{pair}: versions must follow each other")
            if newer["x-receiver"] != older["x-receiver"]:
                problems.append(f"{pair}: the receiver changed, so each travels to another queue")
            problems += [
                f"{pair}: {problem}" for problem in compatibility_problems(older=older, newer=newer)
            ]
    return problems


class EvolutionRefused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"not written, {len(problems)} problem(s): {'; '.join(problems)}")
        self.problems = problems


def schemas_write(folder: Path = SCHEMA_FOLDER) -> list[str]:
    """Writes the code's schemas into `folder` and returns the names of the files it wrote or
    changed; raises EvolutionRefused, writing nothing, if that would break a reader or writer."""
    current = contract_schemas()
    problems = evolution_problems(committed=committed_schemas(folder), current=current)
    if problems:
        raise EvolutionRefused(problems)
    folder.mkdir(exist_ok=True)
    changed = []
    for name, schema in current.items():
        path = folder / name
        text = rendered(schema)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(name)
    return changed


def main() -> int:
    try:
        changed = schemas_write()
    except EvolutionRefused as refusal:
        print(refusal, file=sys.stderr)
        return 1
    print(f"{len(changed)} schema file(s) written in {SCHEMA_FOLDER}: {', '.join(changed) or '-'}")
    return 0


def _label(schema: Schema) -> str:
    return f"{schema['x-message-type']} v{schema['x-version']}"


if __name__ == "__main__":
    sys.exit(main())
