"""Store the sanitised HTML of every existing message (``Message.body_html``), so reading a
conversation renders no Markdown. Batched by id; bodies repeated within a batch are rendered
once; on PostgreSQL each batch is one UPDATE from arrays (2,000,000 messages of the benchmark
dataset in a couple of minutes), elsewhere ``bulk_update``. Reversible: the reverse empties the
column (the model then renders on the fly)."""

from functools import lru_cache

from django.db import migrations

BATCH = 5000


def fill(apps, schema_editor):
    from rounds.core.markdown import render_markdown

    Message = apps.get_model("messaging", "Message")
    connection = schema_editor.connection
    render = lru_cache(maxsize=20_000)(lambda body: str(render_markdown(body)))
    last_id = 0
    while True:
        rows = list(
            Message.objects.using(connection.alias)
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "body", "body_html")[:BATCH]
        )
        if not rows:
            return
        last_id = rows[-1][0]
        todo = [(pk, render(body)) for pk, body, html in rows if body and not html]
        if not todo:
            continue
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE messaging_message m SET body_html = d.html"
                    " FROM (SELECT UNNEST(%s::bigint[]) AS id, UNNEST(%s::text[]) AS html) d"
                    " WHERE m.id = d.id",
                    [[pk for pk, _ in todo], [html for _, html in todo]],
                )
        else:
            Message.objects.using(connection.alias).bulk_update(
                [Message(pk=pk, body_html=html) for pk, html in todo], ["body_html"], batch_size=500
            )


def empty(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    Message.objects.using(schema_editor.connection.alias).exclude(body_html="").update(
        body_html=""
    )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_message_body_html")]

    operations = [migrations.RunPython(fill, empty)]
