"""Keeps each quantum's tables in its own database and identity (auth, sessions, admin log) in `default`.

A quantum's app config names its database; every other app is identity. Relations between models
of different databases are refused, so a cross-quantum foreign key fails at once instead of
silently pointing into a table that is not there.
"""

from django.apps import apps
from django.db.models import Model

IDENTITY_DATABASE = "default"


def database_of(app_label: str) -> str:
    return getattr(apps.get_app_config(app_label), "database", IDENTITY_DATABASE)


class QuantumRouter:
    def db_for_read(self, model: type[Model], **hints) -> str:
        return database_of(model._meta.app_label)

    def db_for_write(self, model: type[Model], **hints) -> str:
        return database_of(model._meta.app_label)

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool:
        return database_of(obj1._meta.app_label) == database_of(obj2._meta.app_label)

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return db == database_of(app_label)
