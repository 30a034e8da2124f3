from django.db import migrations


class Migration(migrations.Migration):
    """API tokens are django-rest-knox's now, which stores digests: the table of clear-text keys left
    by rest_framework.authtoken goes, and with it every token it held (clients sign in again)."""

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop)
    ]
