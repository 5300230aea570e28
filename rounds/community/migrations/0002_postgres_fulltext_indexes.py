"""Full-text search for the forums.

A ``search_vector`` tsvector column on threads (title + body) and replies (body). On
PostgreSQL a trigger (the built-in ``tsvector_update_trigger``) keeps it in step with every
insert and update — services, bulk loads and COPY alike — and a GIN index serves
``search_vector @@ websearch_to_tsquery(...)``. A stored column rather than a functional index:
with a functional index every matching row's ``to_tsvector`` is recomputed on recheck and
whenever the planner walks the activity index, which measured 5–6 s for one search over
100,000 threads and 200,000 replies; the stored column answers the same search in
milliseconds (docs/benchmarks.md). SQLite leaves the column null and searches with icontains.
"""

import django.contrib.postgres.search
from django.db import migrations

TABLES = {
    "community_thread": ("title", "body"),
    "community_reply": ("body",),
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE OF "
            f"{', '.join(columns)} ON {table} FOR EACH ROW EXECUTE FUNCTION "
            f"tsvector_update_trigger(search_vector, 'pg_catalog.english', {', '.join(columns)})"
        )
        schema_editor.execute(f"UPDATE {table} SET {columns[0]} = {columns[0]}")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_fts ON {table} USING gin (search_vector)"
        )


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_fts")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}")


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="reply",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forward, reverse),
    ]
