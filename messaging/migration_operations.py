"""Operations the quanta's migrations use when the kernel's tables change."""

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
