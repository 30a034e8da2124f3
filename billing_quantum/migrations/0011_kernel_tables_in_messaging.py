"""The kernel's tables move to the messaging app, declared once and migrated into every quantum's
database: this quantum's rows are copied into them, then its own copies of the tables dropped."""

from django.db import migrations

from messaging.migration_operations import kernel_tables_moved_to_messaging


class Migration(migrations.Migration):

    dependencies = [
        ('billing_quantum', '0010_payment_runs'),
        ('messaging', '0001_initial'),
    ]

    operations = kernel_tables_moved_to_messaging('billing_quantum')
