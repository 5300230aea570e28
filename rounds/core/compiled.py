"""Queries built with the ORM once per process and run many times with new values.

Building a queryset with subqueries and annotations costs milliseconds of Python (the SQL
compiler walks every expression) even when the database answers in a tenth of that. For the
queries every page runs (the navigation's profile and badge counts), ``CompiledQuery`` builds
the queryset once per database alias around **sentinel** values, keeps the SQL and its
parameters, and afterwards only swaps the sentinels for the request's values.

The SQL is exactly what the ORM produced, so it stays correct on every backend; the sentinels
are values no real query could carry (an id near 2**62, a timestamp in 2001), and compiling
fails loudly if one of them does not appear in the parameters (nothing silently unbound).
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


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, list[int]]
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
        slots: dict[str, list[int]] = {}
        for name, sentinel in self._sentinels.items():
            adapted = _adapt(connection, sentinel)
            slots[name] = [i for i, p in enumerate(params) if p == adapted]
            if not slots[name]:
                raise RuntimeError(f"CompiledQuery: {name!r} is missing from the parameters.")
        compiled = _Compiled(sql, tuple(params), slots, compiler, converters)
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
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            # The ORM's own conversions (SQLite dates, JSON, booleans …), as its iterator does.
            return [
                tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)
            ]
        return [tuple(row) for row in rows]

    def forget(self) -> None:
        """Drop the compiled SQL (tests that change the schema or settings)."""
        self._compiled.clear()
