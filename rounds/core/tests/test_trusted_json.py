"""API payloads sent without django-ninja's per-request validation (``trusted_json``): the same
JSON as the validated path, and checked against the documented schema in the test suite."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from ninja import Schema
from pydantic import ValidationError

from rounds.core.api_utils import PageOut, check_output, trusted_json


class CardOut(Schema):
    handle: str
    seen_at: datetime
    score: float | None = None


def _page(items):
    return {"items": items, "page": 1, "page_size": 20, "has_next": False, "next_page": None}


def test_a_trusted_payload_is_rendered_like_ninja_renders_it():
    at = datetime(2026, 11, 27, 20, 6, 22, 199199, tzinfo=UTC)
    response = trusted_json(
        _page([{"handle": "ada", "seen_at": at, "score": None}]), PageOut[CardOut]
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    # ninja's encoder: milliseconds and "Z", exactly as validated responses print them
    assert body["items"] == [
        {"handle": "ada", "seen_at": "2026-11-27T20:06:22.199Z", "score": None}
    ]


@pytest.mark.parametrize(
    "item",
    [
        {"handle": "ada", "seen_at": datetime(2026, 1, 1, tzinfo=UTC), "extra": 1},  # undocumented
        {"handle": "ada"},  # a required field missing
        {"handle": 7, "seen_at": datetime(2026, 1, 1, tzinfo=UTC)},  # wrong type
        {"handle": "ada", "seen_at": datetime(2026, 1, 1, tzinfo=UTC)},  # a default left out
    ],
)
def test_a_payload_that_drifts_from_its_schema_fails_the_check(item, settings):
    settings.API_CHECK_OUTPUT = True
    with pytest.raises((AssertionError, ValidationError)):
        trusted_json(_page([item]), PageOut[CardOut])


def test_a_payload_matching_its_schema_passes_and_the_check_can_be_off(settings):
    good = _page([{"handle": "ada", "seen_at": datetime(2026, 1, 1, tzinfo=UTC), "score": 0.5}])
    check_output(PageOut[CardOut], good)
    settings.API_CHECK_OUTPUT = False
    drifted = _page([{"handle": "ada", "seen_at": datetime(2026, 1, 1, tzinfo=UTC), "x": 1}])
    assert trusted_json(drifted, PageOut[CardOut]).status_code == 200  # production: not checked
