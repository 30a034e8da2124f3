"""The helpdesk's search reads the tickets of a word newest first (`tickets_search`): each ticket's
words are written beside it, those of the tickets taken in before are written here, and the
trigram indexes the search read before are dropped."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

from ticketing.models import ticket_searched_words

trigram_indexes = importlib.import_module("ticketing.migrations.0010_ticket_search_indexes")
WRITTEN_AT_ONCE = 2_000


def words_written(apps, schema_editor) -> None:
    tickets = apps.get_model("ticketing", "Ticket").objects.using(schema_editor.connection.alias)
    word_model = apps.get_model("ticketing", "TicketWord")
    words = word_model.objects.using(schema_editor.connection.alias)
    batch = []
    searched = tickets.values("pk", "submitted_at", "title", "description", "customer_name")
    for ticket in searched.iterator(chunk_size=WRITTEN_AT_ONCE):
        pk, submitted_at = ticket.pop("pk"), ticket.pop("submitted_at")
        batch += [
            word_model(ticket_id=pk, word=word, submitted_at=submitted_at)
            for word in ticket_searched_words(**ticket)
        ]
        if len(batch) >= WRITTEN_AT_ONCE:
            words.bulk_create(batch)
            batch = []
    words.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('ticketing', '0011_kernel_tables_in_messaging'),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketWord',
            fields=[
                ('pk', models.CompositePrimaryKey('ticket', 'word', blank=True, editable=False, primary_key=True, serialize=False)),
                ('word', models.CharField(max_length=40)),
                ('submitted_at', models.DateTimeField()),
                ('ticket', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='words', to='ticketing.ticket')),
            ],
            options={
                'indexes': [models.Index(fields=['word', '-submitted_at', '-ticket'], name='ticket_word_newest_first')],
            },
        ),
        migrations.RunPython(words_written, migrations.RunPython.noop),
        migrations.RunPython(trigram_indexes.drop, trigram_indexes.create),
    ]
