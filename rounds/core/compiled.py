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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
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
        compiled = _Compiled(sql, tuple(params), slots, patterns, compiler, converters)
        self._compiled[key] = compiled
        return compiled

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
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
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            # The ORM's own conversions (SQLite dates, JSON, booleans …), as its iterator does.
            return [
                tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)
            ]
        return [tuple(row) for row in rows]

    @property
    def names(self) -> tuple[str, ...]:
        """The values ``rows`` takes."""
        return tuple(self._sentinels)

    def forget(self) -> None:
        """Drop the compiled SQL (tests that change the schema or settings)."""
        self._compiled.clear()


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
        query = self._queries.get(shape)
        if query is None:
            if len(self._queries) >= self._limit:
                self._queries.clear()
            build = self._build
            sentinels = self._sentinels(shape) if callable(self._sentinels) else self._sentinels
            query = CompiledQuery(
                lambda **given: build(shape, **{**dict.fromkeys(values), **given}),
                sentinels=sentinels,
            )
            self._queries[shape] = query
        return query.rows(using=using, **{k: values[k] for k in query.names})

    def forget(self) -> None:
        self._queries.clear()
