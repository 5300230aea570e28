"""Full-text search over posts.

A ``search_vector`` tsvector column on posts (the body), kept by a PostgreSQL trigger (the
built-in ``tsvector_update_trigger``, English stemming) on every insert and body update —
services, bulk loads and COPY alike — and a GIN index for
``search_vector @@ websearch_to_tsquery(...)``. A stored column rather than a functional index
for the reason measured on the forums (community/0002): rechecks and ordered walks over a
functional index recompute ``to_tsvector`` per row. SQLite leaves the column null and searches
with ``icontains``.
"""

import django.contrib.postgres.search
from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TRIGGER feed_post_search_vector BEFORE INSERT OR UPDATE OF body ON feed_post "
        "FOR EACH ROW EXECUTE FUNCTION "
        "tsvector_update_trigger(search_vector, 'pg_catalog.english', body)"
    )
    schema_editor.execute("UPDATE feed_post SET body = body")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS feed_post_fts ON feed_post USING gin (search_vector)"
    )


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS feed_post_fts")
    schema_editor.execute("DROP TRIGGER IF EXISTS feed_post_search_vector ON feed_post")


class Migration(migrations.Migration):
    dependencies = [("feed", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="post",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forward, reverse),
    ]
