"""A test's own database made unreachable and reachable again, on the shared PostgreSQL server.

The server is never stopped: only the database this test run created stops accepting connections
(and loses the ones it had), which is what its quantum sees when its database server goes down.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connections
from psycopg import sql


@contextmanager
def database_down(alias: str) -> Iterator[None]:
    """While inside, the alias's test database refuses every connection."""
    database = connections[alias].settings_dict
    connections[alias].close()  # the test's own connection would be cut too
    server = psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
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
