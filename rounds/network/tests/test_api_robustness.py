"""Hostile and malformed input to every network endpoint is answered < 500 with JSON.

The tables (bodies, path values, query strings, headers) are the project's own, from
tests/test_api_robustness.py; this module sends them to the network operations, which that
module's schema test expects to find listed here (``NETWORK_OPERATIONS``). Hypothesis then
fuzzes the request, label/type, interaction bodies and the list parameters.
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
from rounds.network.models import Connection, ConnectionRequest
from rounds.network.services import connection_request_send, follow
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
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NETWORK_OPERATIONS = {
    ("GET", "/network/requests"),
    ("POST", "/network/requests"),
    ("POST", "/network/requests/{request_id}/accept"),
    ("POST", "/network/requests/{request_id}/decline"),
    ("POST", "/network/requests/{request_id}/withdraw"),
    ("GET", "/network/connections"),
    ("GET", "/network/connection-counts"),
    ("PATCH", "/network/connections/{handle}"),
    ("DELETE", "/network/connections/{handle}"),
    ("GET", "/network/blocks"),
    ("POST", "/network/blocks"),
    ("DELETE", "/network/blocks/{handle}"),
    ("POST", "/network/interactions"),
    ("GET", "/network/health"),
    ("GET", "/network/recommendations"),
    ("POST", "/network/recommendations/{handle}/dismiss"),
    ("GET", "/members/{handle}/relationship"),
    ("PUT", "/members/{handle}/follow"),
    ("DELETE", "/members/{handle}/follow"),
    ("GET", "/members/{handle}/followers"),
    ("GET", "/members/{handle}/following"),
}
#: Reads visitors may make (of public profiles).
PUBLIC_READS = {("GET", "/members/{handle}/followers"), ("GET", "/members/{handle}/following")}

#: Bodies that name fields of the network endpoints, on top of the project's table.
NETWORK_BODIES: list[tuple[str, bytes, str]] = [
    ("handle is a number", b'{"handle": 12345}', "application/json"),
    ("handle is a list", b'{"handle": ["a", "b"]}', "application/json"),
    ("handle is an object", b'{"handle": {"$ne": ""}}', "application/json"),
    ("handle with NUL", b'{"handle": "a\\u0000b", "note": "x"}', "application/json"),
    ("handle huge", ('{"handle": "' + "h" * 100_000 + '"}').encode(), "application/json"),
    (
        "note too long",
        ('{"handle": "x", "note": "' + "n" * 501 + '"}').encode(),
        "application/json",
    ),
    ("note NUL", b'{"handle": "x", "note": "\\u0000"}', "application/json"),
    ("label wrong", b'{"label": "boss", "network_type": 7}', "application/json"),
    ("label list", b'{"label": ["friend"], "network_type": {"a": 1}}', "application/json"),
    ("label NUL", b'{"label": "friend\\u0000", "network_type": "\\u0000"}', "application/json"),
    ("kind wrong", b'{"handle": "x", "kind": "connected"}', "application/json"),
    (
        "dates wrong",
        b'{"handle": "x", "kind": "met", "occurred_at": "0000-00-00"}',
        "application/json",
    ),
    (
        "date huge",
        b'{"handle": "x", "kind": "met", "occurred_at": "99999-01-01T00:00:00Z"}',
        "application/json",
    ),
    (
        "date tiny",
        b'{"handle": "x", "kind": "met", "occurred_at": "0001-01-01T00:00:00+14:00"}',
        "application/json",
    ),
    ("date number", b'{"handle": "x", "kind": "met", "occurred_at": 1e300}', "application/json"),
    (
        "unknown fields",
        b'{"handle": "x", "owner": 1, "state": "accepted", "is_staff": true}',
        "application/json",
    ),
]

NETWORK_QUERIES = [
    "direction=sideways",
    "direction=" + "x" * 10_000,
    "type=romantic&label=boss",
    "type=%00&label=%00&q=%00",
    "q=" + "%E2%80%AE" * 500,
    "dormant_days=30",
    "dormant_days=99999999999999999999999",
    "dormant_days=abc",
    "kind=enemies",
    "limit=0",
    "limit=-1",
    "limit=99999999999999999999999",
    "limit=abc",
    "kind=people&kind=strategic&limit=1&limit=2",
    "handle=other&owner=1&user_id=2",
]

#: Numeric ids no row can have (beyond bigint, zero, negative): 404, never 500.
IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]


@dataclass
class World:
    """A member with a connection, a follow, a block and a pending request each way."""

    api: ApiClient
    user: Any
    values: dict[str, str] = field(default_factory=dict)

    def url(self, template: str, **overrides: str) -> str:
        values = {**self.values, **overrides}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture
def world(db) -> World:
    me = ProfileFactory(visibility="public")
    other = ProfileFactory(visibility="public")
    friend = ProfileFactory(visibility="public")
    connect(me.user, other.user)
    connect(other.user, friend.user)
    follow(actor=friend.user, followee=other.user)
    incoming = connection_request_send(actor=friend.user, recipient=me.user, note="hello")
    return World(
        api=ApiClient(token=token_for(me.user)),
        user=me.user,
        values={"handle": other.handle, "request_id": str(incoming.pk)},
    )


def operations() -> list[tuple[str, str]]:
    return sorted(NETWORK_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


# --- the schema ------------------------------------------------------------------------------


def test_every_network_operation_is_in_the_schema_and_this_table():
    """The schema's network operations are exactly this module's table (update both together)."""
    listed = openapi_operations()
    network = {
        (method, path)
        for method, path in listed
        if path.startswith("/network/")
        or re.fullmatch(r"/members/\{handle\}/(follow|followers|following|relationship)", path)
    }
    assert network == NETWORK_OPERATIONS


# --- the tables ------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *NETWORK_BODIES]:
        response = raw_request(
            world.api, method, world.url(template), body=body, content_type=content_type
        )
        assert_handled(response, f"{method} {template} with {name}")


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_hostile_path_parameters_are_answered_with_json(world, operation):
    """NUL, huge, negative, traversal and non-UTF-8 path values are 404/405/422 JSON."""
    method, template = operation
    name = re.search(r"\{(\w+)\}", template).group(1)
    for value in [*HOSTILE_PATH_VALUES, *IMPOSSIBLE_IDS]:
        response = raw_request(
            world.api,
            method,
            world.url(template, **{name: value}),
            body=b'{"label": "friend"}',
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template} with {name}={value[:40]}")
        if response.status_code >= 400:
            assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize(
    "action", ["accept", "decline", "withdraw"], ids=lambda a: f"POST /network/requests/id/{a}"
)
def test_request_ids_beyond_bigint_are_404(world, action):
    """A request id no database column can hold is a plain 404, never a 500 or a 422."""
    for value in IMPOSSIBLE_IDS:
        response = world.api.post(f"/network/requests/{value}/{action}")
        assert_handled(response, value)
        assert response.status_code == 404, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad numbers, unknown choices, over-long and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in [*HOSTILE_QUERIES, *NETWORK_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b"{}",
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template}?{query[:60]}")
    raw = raw_request(world.api, method, world.url(template), QUERY_STRING="q=\xff\xfe&page=\x00")
    assert_handled(raw, f"{method} {template} with raw non-UTF-8 query")


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_auth_headers_are_401(world, operation):
    """Broken Authorization headers are a JSON 401, never a 5xx or a success."""
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
            assert response.status_code != 200 or operation in PUBLIC_READS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_visitors_get_json_answers_everywhere(world, operation):
    """Without credentials: 200 for the public follower lists, a JSON 401 everywhere else."""
    method, template = operation
    response = raw_request(
        ApiClient(), method, world.url(template), body=b"{}", content_type="application/json"
    )
    assert_handled(response, f"anonymous {method} {template}")
    expected = 200 if operation in PUBLIC_READS else 401
    assert response.status_code == expected, (method, template, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(world, operation):
    """A signed-in session calling an unsafe method without the CSRF token gets a JSON 403."""
    method, template = operation
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    before = (Connection.objects.count(), list(ConnectionRequest.objects.values("state")))
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"handle": "x", "kind": "met", "label": "friend"}',
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403
    assert (Connection.objects.count(), list(ConnectionRequest.objects.values("state"))) == before


def test_wrong_methods_are_json_405(world):
    """Unsupported methods on network paths are a JSON 405 with an Allow header."""
    for method, url in (
        ("PUT", "/network/requests"),
        ("GET", "/network/requests/1/accept"),
        ("POST", "/network/connections"),
        ("POST", "/members/x/follow"),
        ("DELETE", "/network/health"),
        ("PATCH", "/network/connection-counts"),
    ):
        response = raw_request(world.api, method, url, body=b"{}", content_type="application/json")
        assert_handled(response, f"{method} {url}")
        assert response.status_code == 405, (method, url)
        assert response["Allow"]


# --- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=80),
        st.sampled_from(["", "friend", "patient", "strategic", "met", "call", "\x00"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
network_fields = ["handle", "note", "label", "network_type", "kind", "occurred_at", "unknown"]
bodies = st.one_of(
    st.dictionaries(st.sampled_from(network_fields), json_values, max_size=4), json_values
)


@FUZZ
@given(body=bodies)
def test_fuzzed_request_bodies_never_fail(world, body):
    """Any JSON sent to POST /network/requests is a 201 or a 4xx JSON error."""
    assert_handled(world.api.post("/network/requests", body), f"POST /network/requests {body!r}")


@FUZZ
@given(body=bodies)
def test_fuzzed_connection_patches_never_fail(world, body):
    """Any JSON sent to PATCH /network/connections/{handle} is applied or a 4xx JSON error."""
    response = world.api.patch(world.url("/network/connections/{handle}"), body)
    assert_handled(response, f"PATCH connection {body!r}")


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {"handle": st.just("HANDLE"), "kind": st.sampled_from(["met", "call", "x"])},
        optional={
            "occurred_at": st.one_of(
                st.datetimes().map(lambda d: d.isoformat()),
                st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                st.text(max_size=40),
                st.integers(),
            )
        },
    )
)
def test_fuzzed_interactions_never_fail(world, body):
    """Any time, zone or kind sent to POST /network/interactions is a 201 or a 4xx JSON error."""
    body = {**body, "handle": world.values["handle"]}
    response = world.api.post("/network/interactions", body)
    assert_handled(response, f"POST /network/interactions {body!r}")


list_params = st.fixed_dictionaries(
    {},
    optional={
        "type": st.one_of(st.sampled_from(["personal", "strategic"]), st.text(max_size=20)),
        "label": st.one_of(st.sampled_from(["friend", "patient"]), st.text(max_size=20)),
        "q": st.text(max_size=250),
        "direction": st.one_of(st.sampled_from(["incoming", "outgoing"]), st.text(max_size=20)),
        "kind": st.one_of(st.sampled_from(["people", "strategic"]), st.text(max_size=20)),
        "limit": st.one_of(st.integers(-10, 10**20), st.text(max_size=12)),
        "dormant_days": st.one_of(
            st.sampled_from([90, 180, 365]), st.integers(), st.text(max_size=8)
        ),
        "page": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
        "page_size": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
    },
)


@FUZZ
@given(params=list_params)
def test_fuzzed_list_parameters_never_fail(world, params):
    """Any parameters to the network's reads are answered 200 or 422, always JSON."""
    for path in (
        "/network/connections",
        "/network/requests",
        "/network/health",
        "/network/recommendations",
        world.url("/members/{handle}/followers"),
    ):
        response = world.api.get(path, params)
        assert_handled(response, f"GET {path} {params!r}")
        assert response.status_code in {200, 422}, (path, params, response.content[:300])
