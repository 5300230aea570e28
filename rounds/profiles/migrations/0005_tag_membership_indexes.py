"""Index the specialty, goal and interest link tables by (tag, profile).

The directory and member search filter by one tag (``?specialty=cardiology``). Their queries
resolve the slug to the tag's id first (``selectors._tag_id``), so PostgreSQL can use the
per-tag statistics of the link table, and with this index it reads the tag's members from the
index alone and sorts them by name: 2–8 ms for the first page of a rare specialty at tier M
instead of walking the name index (70–200 ms; docs/benchmarks.md, finding 1). The two must go
together: with the slug join left in place, this index makes popular tags worse.

The link tables are Django's automatic many-to-many tables, which cannot declare indexes, so
this is SQL that both PostgreSQL and SQLite accept; the model state does not change.
"""

from django.db import migrations

TABLES = (
    ("profiles_profile_specialties", "specialty_id", "profile_specialty_pair_idx"),
    ("profiles_profile_goals", "goal_id", "profile_goal_pair_idx"),
    ("profiles_profile_interests", "interest_id", "profile_interest_pair_idx"),
)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_profile_handle_upper_index")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column}, profile_id)",
            f"DROP INDEX IF EXISTS {name}",
        )
        for table, column, name in TABLES
    ]
