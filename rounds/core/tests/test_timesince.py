"""``core.timesince.since`` says exactly what Django's ``timesince`` says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation
from django.utils.timesince import timesince

from rounds.core.timesince import since

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
DELTAS = [
    timedelta(0),
    timedelta(seconds=59),
    timedelta(minutes=1),
    timedelta(minutes=61),
    timedelta(hours=5, minutes=2),
    timedelta(days=1),
    timedelta(days=8, hours=3),
    timedelta(days=31),
    timedelta(days=400),
    timedelta(days=3650, hours=5),
    -timedelta(minutes=5),  # in the future: "0 minutes"
]


@pytest.mark.parametrize("language", ["en", "fr", "de"])
@pytest.mark.parametrize("delta", DELTAS)
def test_since_matches_timesince(language, delta):
    with translation.override(language):
        for _ in range(2):  # the second time from the kept phrases
            assert since(NOW - delta, NOW) == timesince(NOW - delta, NOW)
