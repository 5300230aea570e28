"""Hostile and malformed input to every messages endpoint is answered < 500 with JSON.

The tables (bodies, path values, query strings, headers) are the project's own, from
tests/test_api_robustness.py; this module sends them to the messaging operations, which that
module's schema test expects to find listed here (``MESSAGING_OPERATIONS``). Hypothesis then
fuzzes the create and send bodies and the list parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.core.tests.api_client import ApiClient, token_for
from rounds.messaging.models import Message, Participant
from rounds.messaging.tests.factories import start
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory
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
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MESSAGING_OPERATIONS = {
    ("GET", "/conversations"),
    ("POST", "/conversations"),
    ("GET", "/conversations/search"),
    ("GET", "/conversations/{conversation_id}"),
    ("GET", "/conversations/{conversation_id}/messages"),
    ("POST", "/conversations/{conversation_id}/messages"),
    ("DELETE", "/conversations/{conversation_id}/messages/{message_id}"),
    ("POST", "/conversations/{conversation_id}/read"),
    ("POST", "/conversations/{conversation_id}/mute"),
    ("POST", "/conversations/{conversation_id}/unmute"),
    ("POST", "/conversations/{conversation_id}/leave"),
    ("POST", "/conversations/{conversation_id}/participants"),
    ("POST", "/conversations/{conversation_id}/accept"),
    ("POST", "/conversations/{conversation_id}/ignore"),
}

MESSAGING_BODIES: list[tuple[str, bytes, str]] = [
    ("to is a string", b'{"to": "ben", "body": "x"}', "application/json"),
    ("to has numbers", b'{"to": [1, 2], "body": "x"}', "application/json"),
    ("to has objects", b'{"to": [{"$ne": ""}], "body": "x"}', "application/json"),
    ("to is huge", ('{"to": ["' + "h" * 100_000 + '"], "body": "x"}').encode(), "application/json"),
    (
        "to is long",
        ('{"to": [' + ",".join(['"a"'] * 5000) + '], "body": "x"}').encode(),
        "application/json",
    ),
    ("body is a number", b'{"to": ["ben"], "body": 12345}', "application/json"),
    ("body is a list", b'{"to": ["ben"], "body": ["x"]}', "application/json"),
    ("body NUL", b'{"to": ["ben"], "body": "a\\u0000b"}', "application/json"),
    ("body surrogate", b'{"to": ["ben"], "body": "\\ud800"}', "application/json"),
    (
        "body huge",
        ('{"to": ["ben"], "body": "' + "b" * 100_000 + '"}').encode(),
        "application/json",
    ),
    ("body blank", b'{"to": ["ben"], "body": "   "}', "application/json"),
    (
        "ack wrong",
        b'{"to": ["ben"], "body": "x", "acknowledge_warnings": "perhaps"}',
        "application/json",
    ),
    (
        "unknown fields",
        b'{"to": ["ben"], "body": "x", "sender": 1, "kind": "group"}',
        "application/json",
    ),
]

MESSAGING_QUERIES = [
    "box=spam",
    "box=" + "x" * 10_000,
    "before=0",
    "before=-1",
    "before=abc",
    "before=99999999999999999999999",
    "after=-5",
    "after=99999999999999999999999",
    "after=1&before=2",
    "limit=0",
    "limit=1000",
    "limit=abc",
    "q=a",
    "q=" + "x" * 500,
    "q=%00%00",
    "q=%25%25&before=1",
]

IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]


@dataclass
class World:
    """A member in a one-to-one conversation with a connection."""

    api: ApiClient
    user: Any
    values: dict[str, str] = field(default_factory=dict)

    def url(self, template: str, **overrides: str) -> str:
        values = {**self.values, **overrides}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture
def world(db) -> World:
    me = ProfileFactory(handle="me")
    ben = ProfileFactory(handle="ben")
    connect(me.user, ben.user)
    message = start(ben.user, me.user, body="Hello there")
    return World(
        api=ApiClient(token=token_for(me.user)),
        user=me.user,
        values={"conversation_id": str(message.conversation_id), "message_id": str(message.pk)},
    )


def operations() -> list[tuple[str, str]]:
    return sorted(MESSAGING_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_messaging_operation_is_in_the_schema_and_this_table():
    """The schema's /conversations operations are exactly this module's table."""
    listed = {(m, p) for m, p in openapi_operations() if p.startswith("/conversations")}
    assert listed == MESSAGING_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *MESSAGING_BODIES]:
        response = raw_request(
            world.api, method, world.url(template), body=body, content_type=content_type
        )
        assert_handled(response, f"{method} {template} with {name}")


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_hostile_path_parameters_are_answered_with_json(world, operation):
    """NUL, huge, negative, traversal and non-UTF-8 ids are 404/405/422 JSON."""
    method, template = operation
    for name in re.findall(r"\{(\w+)\}", template):
        for value in [*HOSTILE_PATH_VALUES, *IMPOSSIBLE_IDS]:
            response = raw_request(
                world.api,
                method,
                world.url(template, **{name: value}),
                body=b'{"body": "x"}',
                content_type="application/json",
            )
            assert_handled(response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_ids_beyond_bigint_are_404(world, operation):
    """An id no database column can hold is a plain 404, never a 500."""
    method, template = operation
    body = b'{"to": ["ben"]}' if template.endswith("/participants") else b'{"body": "x"}'
    for value in IMPOSSIBLE_IDS[2:]:
        response = raw_request(
            world.api,
            method,
            world.url(template, conversation_id=value),
            body=body,
            content_type="application/json",
        )
        assert response.status_code == 404, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad cursors, limits, boxes and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in [*HOSTILE_QUERIES, *MESSAGING_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b'{"body": "x"}',
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template}?{query[:60]}")
    raw = raw_request(world.api, method, world.url(template), QUERY_STRING="q=\xff\xfe&before=\x00")
    assert_handled(raw, f"{method} {template} with raw non-UTF-8 query")


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_auth_headers_and_visitors_are_401(world, operation):
    """Broken Authorization headers and visitors get a JSON 401 everywhere."""
    method, template = operation
    for headers in [*HOSTILE_HEADERS, {}]:
        response = raw_request(
            ApiClient(),
            method,
            world.url(template),
            body=b"{}",
            content_type="application/json",
            headers=headers,
        )
        assert_handled(response, f"{method} {template} with {headers}")
        assert response.status_code == 401, (headers, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(world, operation):
    """A signed-in session calling an unsafe method without the CSRF token gets a JSON 403."""
    method, template = operation
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    before = (
        list(Message.objects.values("body", "deleted_at")),
        list(Participant.objects.values()),
    )
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"to": ["ben"], "body": "x"}',
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403
    after = (list(Message.objects.values("body", "deleted_at")), list(Participant.objects.values()))
    assert after == before


# --- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=80),
        st.sampled_from(["", "ben", "me", "\x00", "x" * 5001]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
message_fields = ["to", "body", "acknowledge_warnings", "unknown"]
bodies = st.one_of(
    st.dictionaries(st.sampled_from(message_fields), json_values, max_size=3), json_values
)


@FUZZ
@given(body=bodies)
def test_fuzzed_create_and_send_bodies_never_fail(world, body):
    """Any JSON sent to create or send is a 201 or a 4xx JSON error."""
    assert_handled(world.api.post("/conversations", body), f"POST /conversations {body!r}")
    path = world.url("/conversations/{conversation_id}/messages")
    assert_handled(world.api.post(path, body), f"POST messages {body!r}")


list_params = st.fixed_dictionaries(
    {},
    optional={
        "box": st.one_of(st.sampled_from(["inbox", "requests", "archived"]), st.text(max_size=20)),
        "before": st.one_of(st.integers(-10, 10**20), st.text(max_size=12)),
        "after": st.one_of(st.integers(-10, 10**20), st.text(max_size=12)),
        "limit": st.one_of(st.integers(-10, 10**6), st.text(max_size=12)),
        "q": st.text(max_size=150),
    },
)


@FUZZ
@given(params=list_params)
def test_fuzzed_list_parameters_never_fail(world, params):
    """Any parameters to the message reads are answered 200 or 422, always JSON."""
    for path in (
        "/conversations",
        "/conversations/search",
        world.url("/conversations/{conversation_id}/messages"),
    ):
        response = world.api.get(path, params)
        assert_handled(response, f"GET {path} {params!r}")
        assert response.status_code in {200, 422}, (path, params, response.content[:300])
