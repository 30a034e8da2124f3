"""The query plans of a request: every statement it sends to any database, captured in-process with
Django's `connection.execute_wrapper`, then explained by PostgreSQL (`EXPLAIN`, not run again).
A plan that reads a whole table of more than SEQUENTIAL_SCAN_LIMIT rows (a sequential scan) is a
page that slows down as the data grows: the benchmark fails on it."""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connections

SEQUENTIAL_SCAN_LIMIT = 100_000
EXPLAINED = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@dataclass
class Statement:
    alias: str
    sql: str
    params: object
    plan: str = ""
    sequential_scans: list[tuple[str, int]] = field(default_factory=list)


@contextlib.contextmanager
def captured() -> Iterator[list[Statement]]:
    """Every statement sent to any database while the block runs, with its parameters."""
    statements: list[Statement] = []

    def recorder(alias: str):
        def record(execute, sql, params, many, context):
            statements.append(Statement(alias, sql, params[0] if many and params else params))
            return execute(sql, params, many, context)

        return record

    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield statements


def explained(statements: list[Statement]) -> list[Statement]:
    """The statements that have a plan, each with its plan and the large tables it reads whole."""
    planned = []
    for statement in statements:
        if not statement.sql.lstrip().upper().startswith(EXPLAINED):
            continue  # BEGIN, COMMIT, SAVEPOINT…: no plan
        with connections[statement.alias].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {statement.sql}", statement.params)
            tree = cursor.fetchone()[0]
            cursor.execute(f"EXPLAIN {statement.sql}", statement.params)
            statement.plan = "\n".join(row[0] for row in cursor.fetchall())
            statement.sequential_scans = [
                (table, rows)
                for table in _sequential_scans(tree[0]["Plan"])
                if (rows := _rows(cursor, table)) > SEQUENTIAL_SCAN_LIMIT
            ]
        planned.append(statement)
    return planned


def _sequential_scans(node: dict) -> Iterator[str]:
    if node.get("Node Type") == "Seq Scan":
        yield node["Relation Name"]
    for child in node.get("Plans", []):
        yield from _sequential_scans(child)


def _rows(cursor, table: str) -> int:
    """The table's rows as the planner knows them (the benchmark analyzes every table it fills)."""
    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
    return max(cursor.fetchone()[0], 0)


def probe(request: Callable[[], object]) -> list[Statement]:
    """Sends the request once to warm the process (connections, caches), then again to capture
    what a request in the steady state sends, and explains it."""
    request()
    with captured() as statements:
        request()
    return explained(statements)
