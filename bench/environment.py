"""Point Django at a benchmark database before it is set up (one database per process)."""

from __future__ import annotations

import os
import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
POSTGRES_SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
#: Shared by this process (sessions it creates) and the server it starts (which reads them).
BENCH_SECRET_KEY = os.environ.get(
    "BENCH_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop"
)


def database_name(tier_slug: str) -> str:
    """``rounds_bench_<tier>``: the only databases the benchmark creates or changes."""
    if not re.fullmatch(r"[a-z0-9]+", tier_slug):
        raise ValueError(f"Bad tier name {tier_slug!r}.")
    return f"rounds_bench_{tier_slug}"


def database_url(db: str, tier_slug: str) -> str:
    """The DATABASE_URL of the benchmark database for ``db`` ("postgres" or "sqlite")."""
    name = database_name(tier_slug)
    if db == "postgres":
        return f"{POSTGRES_SERVER_URL.rstrip('/')}/{name}"
    if db == "sqlite":
        folder = BASE_DIR / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / name}.sqlite3"
    raise ValueError(f"Unknown database kind {db!r}; use postgres or sqlite.")


def ensure_postgres_database(name: str) -> None:
    """Create PostgreSQL database ``name`` (a ``rounds_bench_*`` name) if it does not exist."""
    import psycopg
    from psycopg import sql

    if not name.startswith("rounds_bench_"):
        raise ValueError("The benchmark only creates rounds_bench_* databases.")
    with psycopg.connect(f"{POSTGRES_SERVER_URL.rstrip('/')}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(database_url_value: str) -> None:
    """Configure this process for the benchmark database and call ``django.setup()``.

    Sessions and caches stay in the database / local memory (no Redis), so the sessions this
    process creates are the ones the benchmark server reads.
    """
    os.environ["DATABASE_URL"] = database_url_value
    os.environ["REDIS_URL"] = ""
    os.environ["SECRET_KEY"] = BENCH_SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
