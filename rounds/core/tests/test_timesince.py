"""``core.timesince.since`` says exactly what Django's ``timesince`` says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation
from django.utils.timesince import timesince
from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=400, deadline=None)
@given(
    created=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3 * 366)),
)
def test_the_phrase_depends_only_on_the_whole_minutes_elapsed(created, elapsed):
    """What the notifications list keys its items on: for one ``created``, the phrase is the
    same at any moment within the same whole minute elapsed."""
    now = created + elapsed
    start_of_minute = created + timedelta(minutes=int(elapsed.total_seconds() // 60))
    assert timesince(created, now) == timesince(created, start_of_minute)
