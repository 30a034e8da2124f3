"""Keeps each quantum's tables in its own database and identity (auth, sessions, admin log) in `default`.

A quantum's app config names its database; the messaging kernel's tables are in every quantum's
database and in no other; every other app is identity. Relations between models of different
databases are refused, so a cross-quantum foreign key fails at once instead of silently pointing
into a table that is not there.
"""

from django.apps import apps
from django.db.models import Model

from config.quanta import QUANTA

IDENTITY_DATABASE = "default"
KERNEL_APP = "messaging"


class UnroutedKernelQuery(LookupError):
    """A query of a kernel table that names no database: each quantum has its own copy of the
    table, so guessing one (or `default`) would read or write the wrong quantum's rows."""


def database_of(app_label: str) -> str:
    return getattr(apps.get_app_config(app_label), "database", IDENTITY_DATABASE)


def _database_for(model: type[Model], hints: dict) -> str:
    if model._meta.app_label != KERNEL_APP:
        return database_of(model._meta.app_label)
    instance = hints.get("instance")
    if instance is not None and instance._state.db:
        return instance._state.db
    raise UnroutedKernelQuery(
        f"{model._meta.label} is in every quantum's database: name one with .using(quantum)"
    )


class QuantumRouter:
    def db_for_read(self, model: type[Model], **hints) -> str:
        return _database_for(model, hints)

    def db_for_write(self, model: type[Model], **hints) -> str:
        return _database_for(model, hints)

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool:
        return database_of(obj1._meta.app_label) == database_of(obj2._meta.app_label)

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        if app_label == KERNEL_APP:
            return db in QUANTA
        return db == database_of(app_label)
