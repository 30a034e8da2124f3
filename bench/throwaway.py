"""Benchmarks that run Django in their own process on throwaway databases of the machine's
PostgreSQL, created empty and dropped afterwards, with a var folder of their own and no broker."""

import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

REPOSITORY = Path(__file__).resolve().parents[1]
ALIASES = ("default", "customer", "billing", "ticketing", "analytics", "notifications")


def database_variable(alias: str) -> str:
    return "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"


def databases_recreate(server: str, names: Iterable[str], *, drop_only: bool = False) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        for name in dict.fromkeys(names):
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                connection.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def on_throwaway_databases(server: str, database_of: Callable[[str], str]) -> Iterator[None]:
    """This process's Django set up on the databases `database_of(alias)` names, on `server`."""
    names = [database_of(alias) for alias in ALIASES]
    databases_recreate(server, names)
    try:
        with tempfile.TemporaryDirectory(prefix="sysops-bench-") as var_dir:
            for alias in ALIASES:
                os.environ[database_variable(alias)] = f"{server}/{database_of(alias)}"
            os.environ["SYSOPS_VAR_DIR"] = var_dir
            os.environ.pop("CELERY_BROKER_URL", None)
            os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
            sys.path.insert(0, str(REPOSITORY))
            from operations.embedded.var_folder import var_folder_prepare

            var_folder_prepare(Path(var_dir))
            yield
    finally:
        from django.db import connections

        connections.close_all()
        databases_recreate(server, names, drop_only=True)
