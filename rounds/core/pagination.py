"""Pagination without COUNT(*): fetch one row more than the page to know if there is a next page.

Counting a 200,000-member directory on every request costs more than the page itself; members
page forward and back, so the total is not needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")

MAX_PAGE_SIZE = 100
MAX_PAGE_NUMBER = 500


@dataclass
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.has_next else None

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.has_previous else None


def parse_positive_int(value: Any, *, default: int, maximum: int) -> int:
    """Lenient parsing for query-string numbers: junk falls back to ``default``; clamps to range."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return max(1, min(number, maximum))


def paginate(qs: QuerySet[Any], *, page: int, size: int) -> Page[Any]:
    """Slice ``qs`` to page ``page`` (1-based) of ``size`` items."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    offset = (page - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return Page(items=rows[:size], number=page, size=size, has_next=len(rows) > size)
