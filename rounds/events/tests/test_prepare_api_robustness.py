"""Hostile and malformed input to every prepare / met / follow-up / recommended endpoint is
answered < 500 with JSON.

The tables are the project's own (tests/test_api_robustness.py), whose schema test expects
every operation to be listed in some ``*_OPERATIONS`` table: this module's is
``PREPARE_OPERATIONS``. Hypothesis then fuzzes the write bodies and the list parameters.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.core.tests.api_client import ApiClient, token_for
from rounds.events import preparation
from rounds.events.models import MetAttendee, Registration
from rounds.events.tests.factories import fresh, make_event, make_past, new_user, register
from tests.test_api_robustness import (
    HOSTILE_BODIES,
    HOSTILE_HEADERS,
    HOSTILE_PATH_VALUES,
    HOSTILE_QUERIES,
    assert_handled,
    openapi_operations,
    raw_request,
)

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PREPARE_OPERATIONS = {
    ("GET", "/events/recommended"),
    ("GET", "/events/follow-ups"),
    ("GET", "/events/{event_id}/goal"),
    ("PUT", "/events/{event_id}/goal"),
    ("GET", "/events/{event_id}/who-to-meet"),
    ("GET", "/events/{event_id}/met"),
    ("GET", "/events/{event_id}/met/candidates"),
    ("PUT", "/events/{event_id}/met/{handle}"),
    ("DELETE", "/events/{event_id}/met/{handle}"),
    ("POST", "/events/{event_id}/met/{handle}/connect"),
    ("GET", "/events/{event_id}/follow-up"),
    ("PUT", "/events/{event_id}/follow-up"),
}

PREPARE_BODIES: list[tuple[str, bytes, str]] = [
    ("goal NUL", b'{"goal": "a\\u0000b"}', "application/json"),
    ("goal huge", ('{"goal": "' + "g" * 5000 + '"}').encode(), "application/json"),
    ("goal not text", b'{"goal": ["a"], "goal_tags": "leadership"}', "application/json"),
    ("tags many", ('{"goal_tags": [' + ",".join(['"t"'] * 50) + "]}").encode(), "application/json"),
    ("tags objects", b'{"goal_tags": [{"$ne": ""}]}', "application/json"),
    ("tags unknown", b'{"goal_tags": ["../admin", "%00"]}', "application/json"),
    ("note huge", ('{"note": "' + "n" * 30000 + '"}').encode(), "application/json"),
    ("note NUL", b'{"note": "\\u0000"}', "application/json"),
    ("state wrong", b'{"state": "finished"}', "application/json"),
    ("state object", b'{"state": {"a": 1}}', "application/json"),
    ("unknown fields", b'{"goal": "x", "user_id": 1, "state": "done"}', "application/json"),
    ("ack wrong", b'{"acknowledge_warnings": "perhaps"}', "application/json"),
]

PREPARE_QUERIES = [
    "q=" + "%E2%80%AE" * 500,
    "q=%00",
    "limit=0",
    "limit=51",
    "limit=abc",
    "page_size=0",
    "page_size=101",
]

IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]


@dataclass
class World:
    """``me`` went to a past event where ``ana`` went too; I marked her."""

    api: ApiClient
    user: Any
    event: Any
    values: dict[str, str] = field(default_factory=dict)

    def url(self, template: str, **overrides: str) -> str:
        values = {**self.values, **overrides}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture
def world(db) -> World:
    me, ana = new_user(), new_user()
    event = make_event()
    register(event, me)
    register(event, ana)
    make_past(event)
    preparation.met_mark(actor=me, event=fresh(event), other=ana)
    return World(
        api=ApiClient(token=token_for(me)),
        user=me,
        event=event,
        values={"event_id": str(event.pk), "handle": ana.profile.handle},
    )


def operations() -> list[tuple[str, str]]:
    return sorted(PREPARE_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_prepare_operation_is_in_the_schema():
    """Each operation of this table is in the OpenAPI schema (documented)."""
    missing = PREPARE_OPERATIONS - openapi_operations()
    assert operations() and not missing, missing


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *PREPARE_BODIES]:
        response = raw_request(
            world.api, method, world.url(template), body=body, content_type=content_type
        )
        assert_handled(response, f"{method} {template} with {name}")


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_hostile_path_parameters_are_answered_with_json(world, operation):
    """NUL, huge, negative, traversal and non-UTF-8 path values are 404/405/422 JSON."""
    method, template = operation
    for name in re.findall(r"\{(\w+)\}", template):
        for value in [*HOSTILE_PATH_VALUES, *IMPOSSIBLE_IDS]:
            response = raw_request(
                world.api,
                method,
                world.url(template, **{name: value}),
                body=b'{"note": "x", "goal": "g", "state": "done"}',
                content_type="application/json",
            )
            assert_handled(response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad numbers, unknown choices, over-long and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in [*HOSTILE_QUERIES, *PREPARE_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b"{}",
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template}?{query[:60]}")


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_auth_headers_are_401(world, operation):
    """Broken bearer tokens are a JSON 401; other broken headers never reach private data."""
    method, template = operation
    for headers in HOSTILE_HEADERS:
        response = raw_request(
            ApiClient(),
            method,
            world.url(template),
            body=b"{}",
            content_type="application/json",
            headers=headers,
        )
        assert_handled(response, f"{method} {template} with {headers}")
        if headers["Authorization"].lower().startswith("bearer "):
            assert response.status_code == 401, (headers, response.content[:200])
        else:
            assert response.status_code not in {200, 201, 204}


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_visitors_get_a_json_401_everywhere(world, operation):
    """Without credentials every operation is a JSON 401 (all of it is the member's own)."""
    method, template = operation
    response = raw_request(
        ApiClient(), method, world.url(template), body=b"{}", content_type="application/json"
    )
    assert_handled(response, f"anonymous {method} {template}")
    assert response.status_code == 401, (method, template, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(world, operation):
    """A signed-in session calling an unsafe method without the CSRF token gets a JSON 403."""
    method, template = operation

    def state() -> tuple[Any, ...]:
        return (
            list(Registration.objects.values_list("id", "goal", "follow_up")),
            list(MetAttendee.objects.values_list("id", "note")),
        )

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    before = state()
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"goal": "x", "note": "n", "state": "done"}',
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403
    assert state() == before


# --- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=60),
        st.sampled_from(["", "done", "leadership", "quality-improvement", "\x00"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
fields = ["goal", "goal_tags", "note", "state", "acknowledge_warnings"]
bodies = st.one_of(st.dictionaries(st.sampled_from(fields), json_values, max_size=4), json_values)


@FUZZ
@given(body=bodies)
def test_fuzzed_write_bodies_never_fail(world, body):
    """Any JSON sent to the goal, a mark, a connection request or the follow-up is a 2xx or a
    4xx JSON error."""
    for method, template in (
        ("PUT", "/events/{event_id}/goal"),
        ("PUT", "/events/{event_id}/met/{handle}"),
        ("POST", "/events/{event_id}/met/{handle}/connect"),
        ("PUT", "/events/{event_id}/follow-up"),
    ):
        response = raw_request(
            world.api,
            method,
            world.url(template),
            body=json.dumps(body).encode(),
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template} {body!r}")


list_params = st.fixed_dictionaries(
    {},
    optional={
        "q": st.text(max_size=250),
        "limit": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
        "page": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
        "page_size": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
    },
)


@FUZZ
@given(params=list_params)
def test_fuzzed_list_parameters_never_fail(world, params):
    """Any parameters to the lists are answered 200 or 422, always JSON."""
    for template in (
        "/events/recommended",
        "/events/{event_id}/who-to-meet",
        "/events/{event_id}/met/candidates",
    ):
        path = world.url(template)
        response = world.api.get(path, params)
        assert_handled(response, f"GET {path} {params!r}")
        assert response.status_code in {200, 422}, (path, params, response.content[:300])
