"""Index UPPER(handle) so member search can use its trigram indexes on PostgreSQL.

``member_search`` filters ``display_name ILIKE %q% OR headline ILIKE %q% OR handle iexact q``.
PostgreSQL can combine indexes for an OR (BitmapOr) only when *every* branch has one; the
``handle__iexact`` branch compiles to ``UPPER(handle) = UPPER(q)``, which no index served
(the existing ones are on ``handle`` and ``LOWER(handle)``). So every search walked the whole
name index: 0.2–0.6 s for a rare name at 200,000 members. With this index the planner uses
profile_name_trgm + profile_headline_trgm + this one: < 1 ms (docs/benchmarks.md).
SQLite cannot use indexes for ``LIKE '%q%'`` anyway, so nothing changes there.
"""

from django.db import migrations

FORWARD = "CREATE INDEX IF NOT EXISTS profile_handle_upper_idx ON profiles_profile (UPPER(handle))"
REVERSE = "DROP INDEX IF EXISTS profile_handle_upper_idx"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0003_postgres_search_indexes")]
    operations = [migrations.RunPython(forward, reverse)]
