"""Hostile and malformed input to the guard endpoint is answered < 500 with JSON.

The tables (bodies, query strings, headers) are the project's own, from
tests/test_api_robustness.py; its schema test expects the guard's operations to be listed
here (``GUARD_OPERATIONS``). Hypothesis then fuzzes the body.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.core.tests.api_client import ApiClient, token_for
from rounds.profiles.tests.factories import ProfileFactory
from tests.test_api_robustness import (
    HOSTILE_BODIES,
    HOSTILE_HEADERS,
    HOSTILE_QUERIES,
    assert_handled,
    openapi_operations,
    raw_request,
)

pytestmark = pytest.mark.django_db

GUARD_OPERATIONS = {("POST", "/guard/check")}

#: Bodies that name the guard's fields, on top of the project's table.
GUARD_BODIES: list[tuple[str, bytes, str]] = [
    ("text is a number", b'{"text": 12345}', "application/json"),
    ("text is a list", b'{"text": ["a", "b"]}', "application/json"),
    ("text is an object", b'{"text": {"$ne": ""}}', "application/json"),
    ("text is null", b'{"text": null}', "application/json"),
    ("text with NUL", b'{"text": "a\\u0000b"}', "application/json"),
    ("text with lone surrogate", b'{"text": "a\\ud800b"}', "application/json"),
    ("text huge", ('{"text": "' + "t" * 100_000 + '"}').encode(), "application/json"),
    ("kind unknown", b'{"text": "x", "kind": "tweet"}', "application/json"),
    ("kind is a number", b'{"text": "x", "kind": 3}', "application/json"),
    ("form-encoded", b"text=hello", "application/x-www-form-urlencoded"),
]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient(token=token_for(ProfileFactory().user))


def test_every_guard_operation_is_in_the_schema_and_this_table():
    """The schema's guard operations are exactly this module's table (update both together)."""
    listed = {(m, p) for m, p in openapi_operations() if p.startswith("/guard/")}
    assert listed == GUARD_OPERATIONS


def test_hostile_bodies_are_answered_with_json(api):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    for name, body, content_type in [*HOSTILE_BODIES, *GUARD_BODIES]:
        response = raw_request(api, "POST", "/guard/check", body=body, content_type=content_type)
        assert_handled(response, f"POST /guard/check with {name}")


def test_hostile_queries_and_headers_are_answered_with_json(api):
    """Odd query strings and headers never cause a 5xx."""
    body = json.dumps({"text": "hello"}).encode()
    for query in HOSTILE_QUERIES:
        response = raw_request(
            api, "POST", f"/guard/check?{query}", body=body, content_type="application/json"
        )
        assert_handled(response, f"query {query!r}")
    for headers in HOSTILE_HEADERS:
        response = raw_request(
            api,
            "POST",
            "/guard/check",
            body=body,
            content_type="application/json",
            headers=headers,
        )
        assert_handled(response, f"headers {headers!r}"[:200])


@FUZZ
@given(
    payload=st.dictionaries(
        st.sampled_from(["text", "kind", "extra"]),
        st.one_of(st.text(max_size=300), st.integers(), st.none(), st.booleans()),
    )
)
def test_fuzzed_bodies(api, payload):
    """Any JSON object body gets a JSON answer below 500; valid ones a report."""
    response = api.post("/guard/check", payload)
    assert_handled(response, f"POST /guard/check {payload!r}")
    if response.status_code == 200:
        assert response.json()["verdict"] in ("ok", "warn", "block")
