"""Operations the quanta's migrations use when the kernel's tables change."""

import itertools

from django.core.management.color import no_style
from django.db import migrations
from django.db.models import F


def outbox_rows_adopted(app_label: str) -> migrations.RunPython:
    """Outbox rows stored before delivery confirmation existed: those already handed to the broker
    count as confirmed (they were delivered under the old rules), the others are due at once."""

    def adopt(apps, schema_editor) -> None:
        outbox = apps.get_model(app_label, "OutboxMessage").objects.using(
            schema_editor.connection.alias
        )
        outbox.filter(sent_at__isnull=False).update(confirmed_at=F("sent_at"))
        outbox.filter(sent_at__isnull=True).update(resend_at=F("created_at"))

    return migrations.RunPython(adopt, migrations.RunPython.noop)


KERNEL_MODELS = ("OutboxMessage", "InboxMessage", "DeadLetter", "DeadLetterReplay", "JobRun")
COPY_BATCH = 1000


def kernel_tables_moved_to_messaging(app_label: str) -> list[migrations.operations.base.Operation]:
    """What a quantum's migration does when the kernel's tables move to the messaging app: its rows
    copied into them, then its own copies of the tables dropped."""
    return [
        kernel_rows_moved_to_messaging(app_label),
        *(migrations.DeleteModel(name=name) for name in KERNEL_MODELS),
    ]


def kernel_rows_moved_to_messaging(app_label: str) -> migrations.RunPython:
    """The rows of a quantum's own kernel tables (from when each quantum declared them) copied into
    the messaging app's tables in the same database, keys and all; the quantum's migration then
    drops its own. Backwards, they are moved back into the tables it recreated."""

    def moved(source_app: str, target_app: str, *, emptied: bool):
        def move(apps, schema_editor) -> None:
            alias = schema_editor.connection.alias
            for name in KERNEL_MODELS:
                source = apps.get_model(source_app, name).objects.using(alias)
                target = apps.get_model(target_app, name)
                rows = source.order_by("pk").values().iterator(chunk_size=COPY_BATCH)
                while batch := [target(**row) for row in itertools.islice(rows, COPY_BATCH)]:
                    target.objects.using(alias).bulk_create(batch)
                # Keys were copied: the next automatic key must come after them (PostgreSQL).
                with schema_editor.connection.cursor() as cursor:
                    for statement in schema_editor.connection.ops.sequence_reset_sql(
                        no_style(), [target]
                    ):
                        cursor.execute(statement)
                if emptied:
                    source.all().delete()

        return move

    return migrations.RunPython(
        moved(app_label, "messaging", emptied=False),
        # The messaging tables outlive this step backwards: emptied, so that migrating forward
        # again copies into empty tables.
        moved("messaging", app_label, emptied=True),
    )
