"""Trigram indexes for substring search on PostgreSQL (member names, organization names).

``icontains`` becomes ``UPPER(col) LIKE UPPER('%term%')`` on PostgreSQL; a GIN trigram index on
``UPPER(col)`` serves it instead of scanning 200,000 profiles. SQLite keeps scanning (small data).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS profile_name_trgm ON profiles_profile USING gin (UPPER(display_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS profile_headline_trgm ON profiles_profile USING gin (UPPER(headline) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS profile_city_trgm ON profiles_profile USING gin (UPPER(city) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS organization_name_trgm ON profiles_organization USING gin (UPPER(name) gin_trgm_ops)",
]
REVERSE = [
    "DROP INDEX IF EXISTS profile_name_trgm",
    "DROP INDEX IF EXISTS profile_headline_trgm",
    "DROP INDEX IF EXISTS profile_city_trgm",
    "DROP INDEX IF EXISTS organization_name_trgm",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0002_load_vocabularies")]
    operations = [migrations.RunPython(forward, reverse)]
