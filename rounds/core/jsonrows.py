"""Model rows read as JSON inside a larger statement (PostgreSQL), loaded as the ORM would.

A page whose reads are folded into one prepared statement (the member's context with a kept
page's rows, a group with the viewer's membership) gets each model's row as a JSON array
(``json_build_array(<columns>)``, ``columns``) and turns it into an instance with only those
fields loaded (``instance``; the rest deferred, as ``.only()`` would), so templates, stamps and
schemas read it as they read a queryset's object. Timestamps arrive as ISO 8601 text.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from typing import Any


def columns(alias: str, fields: tuple[str, ...]) -> list[str]:
    """``alias.<column>`` of each field (attnames are the column names here)."""
    return [f"{alias}.{name}" for name in fields]


@cache
def _converters(model: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            found[field.attname] = datetime.fromisoformat
        elif kind == "DateField":
            found[field.attname] = date.fromisoformat
    return found


@cache
def _order(model: Any) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


def instance(model: Any, fields: tuple[str, ...], values: list[Any]) -> Any:
    """An instance of ``model`` with ``fields`` set from ``values`` (JSON values), the other
    fields deferred."""
    convert = _converters(model)
    given = {
        name: convert[name](value) if value is not None and name in convert else value
        for name, value in zip(fields, values, strict=True)
    }
    names = [name for name in _order(model) if name in given]
    return model.from_db("default", names, [given[name] for name in names])


def rows(value: Any) -> list[Any]:
    """A ``json`` column's value as a list (psycopg may hand ``json`` over as text)."""
    if value is None:
        return []
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value)
