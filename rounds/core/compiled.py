"""Queries built with the ORM once per process and run many times with new values.

Building a queryset with subqueries and annotations costs milliseconds of Python (the SQL
compiler walks every expression) even when the database answers in a tenth of that. For the
queries every page runs (the navigation's profile and badge counts), ``CompiledQuery`` builds
the queryset once per database alias around **sentinel** values, keeps the SQL and its
parameters, and afterwards only swaps the sentinels for the request's values.

The SQL is exactly what the ORM produced, so it stays correct on every backend; the sentinels
are values no real query could carry (an id near 2**62, a timestamp in 2001), and compiling
fails loudly if one of them does not appear in the parameters (nothing silently unbound). A
text sentinel may also appear inside a parameter — the LIKE pattern of a ``contains`` or
``startswith`` lookup — and the ORM escapes LIKE's special characters in some parameters
(patterns; ``iexact`` on SQLite) and not others: a second compilation with those characters
after the sentinel finds which, and the value is put in escaped exactly there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import QuerySet

#: Stand-ins for the values that change per call (pass your own for other types).
SENTINEL_ID = 4611686018427387903  # 2**62 - 1: a valid bigint no table reaches
SENTINEL_TIME = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
SENTINEL_TEXT = "\u2603compiled-query-sentinel\u2603"
_PROBE = "%_\\"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, list[int]]
    #: Parameters made from a text sentinel: the value itself, or a LIKE pattern of
    #: ``contains``, ``startswith``… (``"%<sentinel>%"``), with whether the ORM escaped it for
    #: LIKE there (``True`` for patterns; for ``iexact`` on SQLite too, not on PostgreSQL).
    patterns: dict[str, list[tuple[int, bool]]]
    compiler: Any
    converters: dict[int, Any]
    #: How many columns a row has.
    width: int


def prepared_cursor(connection: Any) -> Any:
    """A cursor for a compiled query (or any hot query whose SQL text never changes). On PostgreSQL with prepared statements on (the
    ``prepare_threshold`` option, ``config/settings.py``) it binds on the server, so psycopg
    prepares the statement on first use and later executions skip parsing and planning
    (PostgreSQL still chooses between a generic and a per-value plan, as for any prepared
    statement). It is wrapped like any Django cursor: execute wrappers and query logging see
    it."""
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is None
    ):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _server_binding_cursor_class()(connection.connection)
    loader = _fast_timestamptz_loader()
    if loader is not None and connection.timezone_name == "UTC":
        # Django's timestamptz loader is a Python subclass of psycopg's (to set the zone),
        # so psycopg cannot use its C loader: ~3.3 µs per value against 0.3. With the
        # session in UTC (Django sets it so) the C loader gives the same aware datetimes
        # (``datetime.timezone.utc``); registering it costs ~4.5 µs per cursor, and the
        # compiled statements read several timestamps each (the stamps: 65).
        cursor.adapters.register_loader("timestamptz", loader)
    if connection.queries_logged:
        return _LoggedPreparedCursor(cursor, connection)
    return connection.make_cursor(cursor)


@cache
def _fast_timestamptz_loader() -> Any:
    """psycopg's C timestamptz loader (None without the psycopg[binary] build)."""
    try:
        from psycopg_binary._psycopg import TimestamptzLoader  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - the pure-Python psycopg
        return None
    return TimestamptzLoader


@cache
def _server_binding_cursor_class() -> Any:
    """Django's server-binding cursor, whose statements' conversion to PostgreSQL's ``$n``
    placeholders is kept per SQL text.

    psycopg caches that conversion only for statements under 4,096 characters and 50
    parameters (ORM-made statements of any length are seldom repeated, psycopg discussion
    628). Ours are the few compiled statements run on every page, several of them longer
    (the session, the account and the navigation in one statement: ~8,000), and splitting
    them again cost ~0.1 ms per request. The conversion is psycopg's own function; the
    class falls back to Django's cursor unchanged if psycopg's internals move."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    try:
        from psycopg._queries import PostgresQuery, _query2pg_nocache
    except ImportError:  # pragma: no cover - a psycopg without these internals
        return ServerBindingCursor
    convert_long = lru_cache(maxsize=512)(_query2pg_nocache)

    class CompiledQueryConversion(PostgresQuery):
        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str):
                return super().convert(query, vars)
            self.query, self._want_formats, self._order, self._parts = convert_long(
                self._ensure_bytes(query), self._tx.encoding
            )
            self.dump(vars)
            return None

    class CompiledServerBindingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        _query_cls = CompiledQueryConversion

    CompiledServerBindingCursor.conversions = convert_long  # type: ignore[attr-defined]
    return CompiledServerBindingCursor


class _LoggedPreparedCursor(CursorDebugWrapper):
    """Django's query log for a prepared statement: the SQL with its values put in (Django
    reads it back from the cursor, which holds only the statement's name once prepared)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def _adapt(connection: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class CompiledQuery:
    """``build(**values)`` returns a ``values_list`` queryset; ``rows(**values)`` runs its SQL
    with new values. ``sentinels`` names each value and its stand-in, e.g.
    ``{"user_id": SENTINEL_ID, "now": SENTINEL_TIME}``."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *, sentinels: dict[str, Any]):
        self._build = build
        self._sentinels = dict(sentinels)
        # Per database alias and thread: the row converters belong to the thread's connection.
        self._compiled: dict[tuple[str, int], _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        key = (using, threading.get_ident())
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        connection = connections[using]
        qs = self._build(**self._sentinels)
        compiler = qs.query.get_compiler(using)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        texts = {n: v for n, v in self._sentinels.items() if isinstance(v, str)}
        probe: list[Any] = []
        if texts:
            # Compiled again with LIKE's special characters after each text sentinel: where the
            # ORM escapes them, the value must be escaped the same way.
            probe_qs = self._build(
                **{**self._sentinels, **{n: v + _PROBE for n, v in texts.items()}}
            )
            probe = list(probe_qs.query.get_compiler(using).as_sql()[1])
            if len(probe) != len(params):
                raise RuntimeError("CompiledQuery: text values change the query's shape.")
        slots: dict[str, list[int]] = {}
        patterns: dict[str, list[tuple[int, bool]]] = {}
        for name, sentinel in self._sentinels.items():
            adapted = _adapt(connection, sentinel)
            if name in texts:
                slots[name] = []
                patterns[name] = [
                    (i, sentinel + _PROBE not in probe[i])
                    for i, p in enumerate(params)
                    if isinstance(p, str) and sentinel in p
                ]
            else:
                slots[name] = [i for i, p in enumerate(params) if p == adapted]
                patterns[name] = []
            if not slots[name] and not patterns[name]:
                raise RuntimeError(f"CompiledQuery: {name!r} is missing from the parameters.")
        width = len(compiler.select)
        compiled = _Compiled(sql, tuple(params), slots, patterns, compiler, converters, width)
        self._compiled[key] = compiled
        return compiled

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        compiled, params = self._statement(using, values)
        with prepared_cursor(connections[using]) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return _convert(compiled, rows)

    def _statement(self, using: str, values: dict[str, Any]) -> tuple[_Compiled, list[Any]]:
        """The compiled SQL and its parameters with ``values`` put in."""
        if set(values) != set(self._sentinels):
            raise TypeError(f"Expected values for {sorted(self._sentinels)}.")
        compiled = self._compile(using)
        connection = connections[using]
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            value = _adapt(connection, values[name])
            for position in positions:
                params[position] = value
        for name, places in compiled.patterns.items():
            if places:
                value = str(values[name])
                # What the ORM does to a value it puts in a LIKE pattern: escape the
                # backslash, % and _ so they match themselves.
                escaped = connection.ops.prep_for_like_query(value)
                sentinel = self._sentinels[name]
                for position, like in places:
                    template = compiled.params[position]
                    params[position] = template.replace(sentinel, escaped if like else value)
        return compiled, params

    @property
    def names(self) -> tuple[str, ...]:
        """The values ``rows`` takes."""
        return tuple(self._sentinels)

    def forget(self) -> None:
        """Drop the compiled SQL (tests that change the schema or settings)."""
        self._compiled.clear()


class RawQuery:
    """A hand-written statement that ``rows_joined`` can read with others: ``sql`` with
    ``%s`` placeholders, ``params(values)`` giving their values in order, ``width`` columns.
    For statements the ORM cannot express (aggregated arrays); no row converters apply, so
    the statement must return what the caller reads as is."""

    def __init__(self, sql: str, *, width: int, params: Callable[[dict[str, Any]], list[Any]]):
        self._compiled = _Compiled(sql, (), {}, {}, None, {}, width)
        self._params = params

    def _statement(self, using: str, values: dict[str, Any]) -> tuple[_Compiled, list[Any]]:
        return self._compiled, self._params(values)

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        with prepared_cursor(connections[using]) as cursor:
            cursor.execute(self._compiled.sql, self._params(values))
            return [tuple(row) for row in cursor.fetchall()]


def _convert(compiled: _Compiled, rows: Any) -> list[tuple[Any, ...]]:
    if compiled.converters:
        # The ORM's own conversions (SQLite dates, JSON, booleans …), as its iterator does.
        return [tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)]
    return [tuple(row) for row in rows]


def rows_together(
    first: tuple[CompiledQuery, dict[str, Any]],
    second: tuple[CompiledQuery, dict[str, Any]],
    *,
    using: str = "default",
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]] | None]:
    """Two compiled queries in one round trip: ``(rows of first, rows of second)``.

    ``first`` must return at most one row (the session's account); the statement is
    ``first LEFT JOIN second ON TRUE``, so each of second's rows comes beside it. When first
    has no row, second's rows cannot be told and are None (run it on its own then)."""
    firsts, rest = rows_joined([first, second], using=using)
    return firsts, rest[0]


def rows_joined(
    queries: Sequence[tuple[CompiledQuery | RawQuery, dict[str, Any]]], *, using: str = "default"
) -> tuple[list[tuple[Any, ...]], list[list[tuple[Any, ...]] | None]]:
    """Compiled queries in one round trip: ``(rows of the first, [rows of each other])``.

    Every query but the last must return at most one row (the session, the account); the
    statement is ``q1 LEFT JOIN q2 ON TRUE LEFT JOIN q3 ON TRUE …``, so each of the last one's
    rows comes beside the others' single rows. On PostgreSQL, with three queries or more (the
    session, the account and a view's own query), the last one's rows come in their own rows
    instead (``_rows_apart``), so a page of 20 rows does not repeat the account's columns 20
    times. When the first has no row, the others' rows cannot be told and are all None (run
    them on their own then)."""
    statements = [query._statement(using, values) for query, values in queries]
    if len(statements) >= 3 and connections[using].vendor == "postgresql":
        return _rows_apart(statements, using)
    (compiled_a, params_a), others = statements[0], statements[1:]
    sql = f"SELECT * FROM ({compiled_a.sql}) a"  # noqa: S608 - the ORM's own SQL
    params = list(params_a)
    for index, (compiled, more) in enumerate(others):
        joined = f"SELECT 1 AS together_present, j.* FROM ({compiled.sql}) j"  # noqa: S608
        sql += f" LEFT JOIN ({joined}) j{index} ON TRUE"
        params.extend(more)
    with prepared_cursor(connections[using]) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [], [None] * len(others)
    width = compiled_a.width
    if len(rows[0]) != width + sum(1 + compiled.width for compiled, _ in others):
        raise RuntimeError("rows_joined: the queries' columns are not what they compiled to.")
    firsts = _convert(compiled_a, [rows[0][:width]])
    results: list[list[tuple[Any, ...]] | None] = []
    start = width
    for index, (compiled, _) in enumerate(others):
        end = start + 1 + compiled.width
        last = index == len(others) - 1
        chosen = rows if last else rows[:1]
        results.append(
            _convert(compiled, [row[start + 1 : end] for row in chosen if row[start] is not None])
        )
        start = end
    return firsts, results


def _rows_apart(
    statements: list[tuple[_Compiled, list[Any]]], using: str
) -> tuple[list[tuple[Any, ...]], list[list[tuple[Any, ...]] | None]]:
    """``rows_joined`` with the last query's rows in rows of their own (PostgreSQL)::

        SELECT 1, a.*, j0.*, …, NULL…     FROM (q1) a LEFT JOIN (q2) j0 ON TRUE …
        UNION ALL
        SELECT NULL, NULL…, 1, last.*     FROM (qN) last WHERE EXISTS (q1)

    The first branch is the single row of the one-row queries, with NULL where the last
    query's columns go; then the last query's rows in its own order (an append of the two
    branches, in order), each with NULL in the others' columns (NULLs cost nothing to read).
    ``EXISTS (q1)``: nothing of the last query is read when the first has no row (a session
    that does not exist)."""
    (compiled_a, params_a), middle, (compiled_z, params_z) = (
        statements[0],
        statements[1:-1],
        statements[-1],
    )
    head = ["1 AS together_first, a.*"]
    source = f"({compiled_a.sql}) a"
    params = list(params_a)
    for index, (compiled, more) in enumerate(middle):
        joined = f"SELECT 1 AS together_present, j.* FROM ({compiled.sql}) j"  # noqa: S608
        source += f" LEFT JOIN ({joined}) j{index} ON TRUE"
        head.append(f"j{index}.*")
        params.extend(more)
    nulls_z = ", ".join(["NULL"] * (1 + compiled_z.width))
    before_z = 1 + compiled_a.width + sum(1 + compiled.width for compiled, _ in middle)
    nulls_before = ", ".join(["NULL"] * before_z)
    sql = (
        f"SELECT {', '.join(head)}, {nulls_z} FROM {source} "  # noqa: S608 - the ORM's SQL
        f"UNION ALL SELECT {nulls_before}, 1, z.* FROM ({compiled_z.sql}) z "
        f"WHERE EXISTS ({compiled_a.sql})"
    )
    params.extend(params_z)
    params.extend(params_a)
    with prepared_cursor(connections[using]) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    firsts_row = next((row for row in rows if row[0] is not None), None)
    if firsts_row is None:
        return [], [None] * (len(statements) - 1)
    if len(firsts_row) != before_z + 1 + compiled_z.width:
        raise RuntimeError("rows_joined: the queries' columns are not what they compiled to.")
    firsts = _convert(compiled_a, [firsts_row[1 : 1 + compiled_a.width]])
    results: list[list[tuple[Any, ...]] | None] = []
    start = 1 + compiled_a.width
    for compiled, _ in middle:
        end = start + 1 + compiled.width
        present = firsts_row[start] is not None
        results.append(_convert(compiled, [firsts_row[start + 1 : end]] if present else []))
        start = end
    results.append(_convert(compiled_z, [row[before_z + 1 :] for row in rows if row[0] is None]))
    return firsts, results


class CompiledShapes:
    """``CompiledQuery`` per *shape*: a hashable key for what the SQL inlines rather than binds
    (LIMIT and OFFSET of a page, which filters apply). ``build(shape, **values)``;
    ``sentinels`` is a mapping, or a function of the shape giving the values that shape binds
    (``rows`` passes only those on). At most ``limit`` shapes are kept (then they are compiled
    again)."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        sentinels: dict[str, Any] | Callable[[Any], dict[str, Any]],
        limit: int = 64,
    ):
        self._build = build
        self._sentinels = sentinels
        self._limit = limit
        self._queries: dict[Any, CompiledQuery] = {}

    def rows(self, shape: Any, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        query = self.query(shape, names=values)
        return query.rows(using=using, **{k: values[k] for k in query.names})

    def query(self, shape: Any, *, names: Any = ()) -> CompiledQuery:
        """The ``CompiledQuery`` of ``shape`` (``names``: every value the builder takes, those
        not bound by the shape passed as None)."""
        query = self._queries.get(shape)
        if query is None:
            if len(self._queries) >= self._limit:
                self._queries.clear()
            build = self._build
            sentinels = self._sentinels(shape) if callable(self._sentinels) else self._sentinels
            others = dict.fromkeys(names)
            query = CompiledQuery(
                lambda **given: build(shape, **{**others, **given}), sentinels=sentinels
            )
            self._queries[shape] = query
        return query

    def forget(self) -> None:
        self._queries.clear()
