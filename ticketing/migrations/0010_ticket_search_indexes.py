"""Trigram indexes for the helpdesk's ticket search (`tickets_search`) on PostgreSQL.

A search for a word is `UPPER(column) LIKE UPPER('%word%')` (Django's `icontains`); a B-tree cannot
serve a pattern that starts with a wildcard, so without these every search reads every ticket.
pg_trgm's GIN operator class serves it when the index is on the very expression the query uses.
The embedded default (SQLite) has neither the extension nor GIN: nothing to do there."""

from django.db import migrations

SEARCHED = ("title", "description", "customer_name")


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS ticket_{column}_trigrams ON ticketing_ticket "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS ticket_{column}_trigrams")


class Migration(migrations.Migration):
    dependencies = [
        ("ticketing", "0009_list_orderings_indexed"),
    ]

    operations = [migrations.RunPython(create, drop)]
