"""Build (or reuse) a benchmark dataset of a tier in a ``rounds_bench_<tier>`` database.

    python -m bench.generate --tier M [--seed 1] [--db postgres|sqlite] [--rebuild]

A dataset is a list of **stages**, each deterministic by (seed, stage name) and recorded in a
marker table ``bench_dataset`` once built, so a later run reuses it. The stages:
``community`` (organizations, accounts, profiles, specialty/goal/interest links, affiliations:
``rounds.profiles.demo``) and ``connections`` (≈5,000,000 for M: heavy-tailed degrees,
clustered by current organization, a few hubs of several thousand; ``bench/connections.py``).
Later capabilities append stages — ``posts`` (2,000,000), ``events`` (20,000), ``groups``
(2,000) — with sizes from ``bench/tiers.py``. A new stage:

1. writes a ``build(ctx) -> int`` function that streams rows into ``ctx.sink()`` (COPY on
   PostgreSQL, ``bulk_create`` on SQLite) with its own ``ctx.rng(name)``, reading the ids it
   needs from the database (e.g. current affiliations to cluster connections by organization);
2. appends ``Stage(name, version, build, tables)`` to ``STAGES``.

Existing datasets then build only the new stage. Bumping a stage's ``version`` (its output
changed) rebuilds the whole dataset, as does a different seed or tier.

On PostgreSQL a stage loads with ``COPY`` inside one transaction, with the secondary indexes
of its tables dropped first and recreated after (much faster than maintaining GIN trigram
indexes row by row), foreign-key triggers off (``session_replication_role = replica``, the data
is consistent by construction), then ``VACUUM ANALYZE``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.connections import build_connections, connection_tables
from bench.environment import database_name, database_url, ensure_postgres_database, setup_django
from bench.events import build_events, events_tables
from bench.feedstage import build_feed, build_inbox, feed_tables, inbox_tables
from bench.keeping import build_keeping, keeping_tables
from bench.tiers import Tier, tier_named

MARKER_TABLE = "bench_dataset"
DEFAULT_SEED = 1


@dataclass
class StageContext:
    """What a stage's ``build`` gets: the tier, the seed, the database, a row sink."""

    tier: Tier
    seed: int
    using: str = "default"

    def rng(self, name: str) -> random.Random:
        """A random stream of its own for ``name``, so stages never shift each other's data."""
        return random.Random(f"{self.seed}:{self.tier.name}:{name}")

    @property
    def vendor(self) -> str:
        from django.db import connections

        return str(connections[self.using].vendor)

    def sink(self, models: Sequence[type[Any]]) -> Any:
        """A sink with ``add(model, row)`` / ``flush()``: COPY on PostgreSQL, ORM otherwise."""
        from django.db import connections

        from rounds.profiles.demo import OrmSink

        if self.vendor == "postgresql":
            return CopySink(connections[self.using], models)
        return OrmSink(models, using=self.using, batch_size=500)


@dataclass(frozen=True)
class Stage:
    name: str
    version: int
    build: Callable[[StageContext], int]  # returns the number of primary rows written
    tables: Callable[[], list[type[Any]]]  # the models it writes (for index handling/sequences)


class CopySink:
    """Buffers rows per model and writes them with PostgreSQL ``COPY ... FROM STDIN``.

    Rows are dicts keyed by field attname; a field missing from a row gets the field's default
    (so a new column with a default does not break the generator; one without fails loudly).
    """

    def __init__(self, connection: Any, models: Sequence[type[Any]]):
        from django.db.models import JSONField
        from psycopg.types.json import Jsonb

        self.connection = connection
        self.models = list(models)
        self.buffers: dict[type[Any], list[tuple[Any, ...]]] = {m: [] for m in self.models}
        self.layout: dict[type[Any], tuple[str, list[str], list[Any], list[int]]] = {}
        for model in self.models:
            fields = model._meta.concrete_fields
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            defaults = [f.get_default() if f.has_default() else None for f in fields]
            json_positions = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
            self.layout[model] = (sql, [f.attname for f in fields], defaults, json_positions)
        self._jsonb = Jsonb
        self.counts: dict[str, int] = {}

    def add(self, model: type[Any], row: dict[str, Any]) -> None:
        _, attnames, defaults, json_positions = self.layout[model]
        values = [row.get(name, default) for name, default in zip(attnames, defaults, strict=True)]
        for position in json_positions:
            values[position] = self._jsonb(values[position])
        self.buffers[model].append(tuple(values))

    def flush(self) -> None:
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for model in self.models:
                rows = self.buffers[model]
                if not rows:
                    continue
                with raw.copy(self.layout[model][0]) as copy:
                    for row in rows:
                        copy.write_row(row)
                label = model._meta.label_lower
                self.counts[label] = self.counts.get(label, 0) + len(rows)
                self.buffers[model] = []


# --- stages --------------------------------------------------------------------------------


def _community_tables() -> list[type[Any]]:
    from rounds.profiles.demo import community_models

    return community_models()


def build_community(ctx: StageContext) -> int:
    """Organizations and ``tier.members`` members (plus demo and staff accounts)."""
    from rounds.profiles.demo import (
        ANCHOR,
        CommunityGenerator,
        CommunityRows,
        IdAllocator,
        password_hashes,
        vocabulary_ids,
    )

    models = _community_tables()
    generator = CommunityGenerator(seed=ctx.seed, size=ctx.tier.members)
    sink = ctx.sink(models)
    rows = CommunityRows(
        sink=sink,
        ids=IdAllocator.from_database(models, ctx.using),
        password_hashes=password_hashes(),
    )
    specialty_ids, goal_ids, interest_ids = vocabulary_ids(ctx.using)
    rows.vocabularies(
        specialty_ids=specialty_ids,
        goal_ids=goal_ids,
        interest_ids=interest_ids,
        generator=generator,
    )
    rows.organizations(generator.organizations, now=datetime(ANCHOR.year, 1, 1, tzinfo=UTC))
    for count, spec in enumerate(generator.members(), start=1):
        rows.member(spec)
        if count % 5000 == 0:
            sink.flush()
            if count % 50_000 == 0:
                print(f"  … {count:,} members", flush=True)
    sink.flush()
    return rows.members_written


STAGES: list[Stage] = [
    Stage("community", version=1, build=build_community, tables=_community_tables),
    Stage("connections", version=1, build=build_connections, tables=connection_tables),
    Stage("keeping", version=1, build=build_keeping, tables=keeping_tables),  # issue 5
    Stage("feed", version=1, build=build_feed, tables=feed_tables),  # issue 6
    Stage("feed-inbox", version=1, build=build_inbox, tables=inbox_tables),  # issue 6
    Stage("events", version=1, build=build_events, tables=events_tables),  # issue 7
]


# --- marker and loading --------------------------------------------------------------------


def _ensure_marker(cursor: Any) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
        " stage varchar(40) PRIMARY KEY, tier varchar(10) NOT NULL, seed bigint NOT NULL,"
        " version integer NOT NULL, row_count bigint NOT NULL, seconds double precision NOT NULL,"
        " built_at varchar(40) NOT NULL)"
    )


def built_stages(using: str = "default") -> dict[str, dict[str, Any]]:
    """The marker rows: stage name → {tier, seed, version, rows, seconds, built_at}."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        _ensure_marker(cursor)
        cursor.execute(
            f"SELECT stage, tier, seed, version, row_count, seconds, built_at FROM {MARKER_TABLE}"
        )
        return {
            row[0]: {
                "tier": row[1],
                "seed": row[2],
                "version": row[3],
                "rows": row[4],
                "seconds": row[5],
                "built_at": row[6],
            }
            for row in cursor.fetchall()
        }


def _secondary_indexes(cursor: Any, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of indexes on ``tables`` not backing a constraint."""
    cursor.execute(
        """
        SELECT ci.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ci ON ci.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY ci.relname
        """,
        [list(tables)],
    )
    return [(row[0], row[1]) for row in cursor.fetchall()]


def wipe(using: str = "default") -> None:
    """Delete every generated row (all accounts and organizations) and the marker."""
    from django.db import connections

    from rounds.profiles.demo import community_reset

    connection = connections[using]
    with connection.cursor() as cursor:
        _ensure_marker(cursor)
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE accounts_user, profiles_organization, django_session RESTART IDENTITY CASCADE"
            )
            cursor.execute("DELETE FROM profiles_goal WHERE NOT curated")
            cursor.execute("DELETE FROM profiles_interest WHERE NOT curated")
    if connection.vendor != "postgresql":
        community_reset(using)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_session")


def _all_visible_share(cursor: Any, table: str) -> float:
    cursor.execute("SELECT relallvisible, relpages FROM pg_class WHERE relname = %s", [table])
    row = cursor.fetchone()
    return 1.0 if not row or not row[1] else float(row[0]) / float(row[1])


def _vacuum(cursor: Any, quoted: str, table: str) -> None:
    """``VACUUM (ANALYZE)`` until the visibility map covers the table.

    Reads of the network depend on index-only scans (a member's ties from the
    ``(owner, other)`` index), which need the pages marked all-visible; a vacuum that runs
    while another transaction still holds an older snapshot leaves them unmarked, and every
    index entry then costs a random heap read (the health query: 1.2 s instead of 60 ms,
    measured). So check, and vacuum again (a few times, after a pause) when it did not take.
    """
    for attempt in range(4):
        cursor.execute(f"VACUUM (ANALYZE) {quoted}")
        share = _all_visible_share(cursor, table)
        if share >= 0.95:
            return
        time.sleep(2.0 * (attempt + 1))
    print(f"  warning: only {share:.0%} of {table} is marked all-visible", flush=True)


def run_stage(stage: Stage, ctx: StageContext) -> tuple[int, float]:
    """Build one stage in one transaction; returns (rows, seconds including indexes/analyze)."""
    from django.db import connections, transaction

    from rounds.profiles.demo import reset_sequences

    connection = connections[ctx.using]
    models = stage.tables()
    tables = [m._meta.db_table for m in models]
    started = time.perf_counter()
    with transaction.atomic(using=ctx.using):
        indexes: list[tuple[str, str]] = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                try:
                    with transaction.atomic(using=ctx.using):
                        cursor.execute("SET LOCAL session_replication_role = replica")
                except Exception:  # not a superuser: keep foreign-key checks, just slower
                    pass
                indexes = _secondary_indexes(cursor, tables)
                for name, _ in indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        rows = stage.build(ctx)
        print(f"  rows loaded in {time.perf_counter() - started:.1f} s", flush=True)
        if indexes:
            indexing = time.perf_counter()
            with connection.cursor() as cursor:
                for _, statement in indexes:
                    cursor.execute(statement)
            print(
                f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - indexing:.1f} s",
                flush=True,
            )
        reset_sequences(models, ctx.using)
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            _ensure_marker(cursor)
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (stage, tier, seed, version, row_count, seconds, built_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    stage.name,
                    ctx.tier.name,
                    ctx.seed,
                    stage.version,
                    rows,
                    seconds,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ],
            )
    analyzing = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                _vacuum(cursor, connection.ops.quote_name(table), table)
        else:
            cursor.execute("ANALYZE")
    print(f"  vacuumed and analyzed in {time.perf_counter() - analyzing:.1f} s", flush=True)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {MARKER_TABLE} SET seconds = %s WHERE stage = %s", [seconds, stage.name]
        )
    return rows, seconds


def ensure_dataset(
    tier: Tier, seed: int, *, rebuild: bool = False, using: str = "default"
) -> dict[str, dict[str, Any]]:
    """Make the database hold ``tier``'s dataset for ``seed``; build only what is missing.

    Precondition: Django is set up for the benchmark database and migrations are applied.
    Rebuilds from scratch when asked, or when the marker names another tier, seed or stage
    version, or the member count does not match. Returns the marker rows.
    """
    from rounds.profiles.models import Profile

    done = built_stages(using)
    stale = rebuild or any(
        info["tier"] != tier.name
        or int(info["seed"]) != seed
        or info["version"] != _stage_version(name)
        for name, info in done.items()
    )
    if "community" in done and not stale:
        stale = Profile.objects.using(using).count() != tier.members + 2
    if stale or (not done and Profile.objects.using(using).exists()):
        print(f"Wiping the {database_name(tier.slug)} dataset …", flush=True)
        wipe(using)
        done = {}
    ctx = StageContext(tier=tier, seed=seed, using=using)
    for stage in STAGES:
        if stage.name in done:
            continue
        print(f"Building stage {stage.name!r} for tier {tier.name} (seed {seed}) …", flush=True)
        rows, seconds = run_stage(stage, ctx)
        print(f"  {stage.name}: {rows:,} rows in {seconds:.1f} s", flush=True)
    keep_visible(using)
    return built_stages(using)


def keep_visible(using: str = "default") -> None:
    """Vacuum any dataset table whose visibility map has fallen behind (writes since the
    build, a vacuum that did not take): measurements then read indexes the way a production
    database kept by autovacuum does. Cheap when nothing is needed."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for stage in STAGES for m in stage.tables()]
    with connection.cursor() as cursor:
        for table in tables:
            if _all_visible_share(cursor, table) < 0.95:
                print(f"  vacuuming {table} (visibility map behind)", flush=True)
                _vacuum(cursor, connection.ops.quote_name(table), table)


def _stage_version(name: str) -> int | None:
    return next((s.version for s in STAGES if s.name == name), None)


def prepare_database(tier: Tier, db: str) -> str:
    """Create (PostgreSQL) and point Django at the tier's database, then migrate it."""
    url = database_url(db, tier.slug)
    if db == "postgres":
        ensure_postgres_database(database_name(tier.slug))
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", default="S", help="S (2,000 members) or M (200,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--rebuild", action="store_true", help="wipe and build from scratch")
    args = parser.parse_args(argv)
    tier = tier_named(args.tier)
    prepare_database(tier, args.db)
    started = time.perf_counter()
    stages = ensure_dataset(tier, args.seed, rebuild=args.rebuild)
    for name, info in stages.items():
        print(
            f"{name}: tier {info['tier']} seed {info['seed']} v{info['version']} — "
            f"{info['rows']:,} rows, built in {info['seconds']:.1f} s at {info['built_at']}"
        )
    print(f"Dataset ready in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
