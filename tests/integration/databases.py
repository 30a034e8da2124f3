"""A test's own database made unreachable and reachable again, on the shared PostgreSQL server.

The server is never stopped: only the database this test run created stops accepting connections
(and loses the ones it had), which is what its quantum sees when its database server goes down.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connections
from psycopg import sql


def server_of(alias: str) -> psycopg.Connection:
    """A connection to the server that holds the alias's test database, outside that database."""
    database = connections[alias].settings_dict
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def database_down(alias: str) -> Iterator[None]:
    """While inside, the alias's test database refuses every connection."""
    database = connections[alias].settings_dict
    connections[alias].close()  # the test's own connection would be cut too
    server = server_of(alias)
    name = sql.Identifier(database["NAME"])
    try:
        server.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(name))
        server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [database["NAME"]],
        )
        yield
    finally:
        server.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(name))
        server.close()
        connections[alias].close()  # one opened meanwhile was cut: the next query reconnects


# How often the sessions are cut: the pace of the fault itself, not a wait for anything.
CUT_EVERY_SECONDS = 0.2


@contextmanager
def sessions_cut_for(alias: str, seconds: float) -> Iterator[None]:
    """Every session on the alias's test database is cut, again and again, for `seconds` from the
    block's start (leaving the block waits for the end): what a receiver sees while its database
    server fails over or restarts in a loop."""
    name = connections[alias].settings_dict["NAME"]
    deadline = time.monotonic() + seconds

    def cut() -> None:
        with server_of(alias) as server:
            while time.monotonic() < deadline:
                server.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
                time.sleep(CUT_EVERY_SECONDS)

    cutter = threading.Thread(target=cut)
    cutter.start()
    try:
        yield
    finally:
        cutter.join()
