"""``since(d, now)``: Django's ``timesince`` with its phrases formatted once per language.

``timesince`` formats each part ("5 minutes") through a lazy ``ngettext`` on every call:
~20 µs of translation machinery for a two-part phrase, paid per item by lists that key their
cached HTML on the phrase (the notifications list: 20 items, ~0.4 ms a page). Its algorithm
and its output are Django's own; only the formatting of "<n> <unit>" is kept per language
and number (a few hundred phrases at most).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import get_language


class _KeptPhrase:
    """One unit's lazy plural, formatted once per (language, number)."""

    def __init__(self, lazy: Any):
        self._lazy = lazy
        self._kept: dict[tuple[str | None, int], str] = {}

    def __mod__(self, values: dict[str, int]) -> str:
        key = (get_language(), int(values["num"]))
        text = self._kept.get(key)
        if text is None:
            if len(self._kept) > 4096:
                self._kept.clear()
            text = self._kept[key] = str(self._lazy % values)
        return text


_PHRASES = {unit: _KeptPhrase(lazy) for unit, lazy in TIME_STRINGS.items()}


def since(d: datetime, now: datetime | None = None) -> str:
    """What ``{{ d|timesince }}`` shows (e.g. "2 hours, 5 minutes")."""
    return timesince(d, now, time_strings=_PHRASES)  # type: ignore[arg-type]
