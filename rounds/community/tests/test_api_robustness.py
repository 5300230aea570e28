"""Hostile and malformed input to every groups endpoint is answered < 500 with JSON.

The tables (bodies, path values, query strings, headers) are the project's own, from
tests/test_api_robustness.py, whose schema test expects every operation to be listed in some
``*_OPERATIONS`` table: this module's is ``COMMUNITY_OPERATIONS``. Hypothesis then fuzzes the
group, thread and reply bodies and the list parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.community.models import Group, GroupMembership, Reply, Thread
from rounds.core.tests.api_client import ApiClient, token_for
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

from .factories import add_member, make_group, make_reply, make_thread

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

COMMUNITY_OPERATIONS = {
    ("GET", "/groups"),
    ("POST", "/groups"),
    ("GET", "/groups/invitations"),
    ("GET", "/groups/search"),
    ("GET", "/groups/{slug}"),
    ("PATCH", "/groups/{slug}"),
    ("DELETE", "/groups/{slug}"),
    ("GET", "/groups/{slug}/members"),
    ("PUT", "/groups/{slug}/members/{handle}"),
    ("POST", "/groups/{slug}/members/{handle}/{action}"),
    ("GET", "/groups/{slug}/memberships"),
    ("POST", "/groups/{slug}/membership/{action}"),
    ("POST", "/groups/{slug}/invitations"),
    ("GET", "/groups/{slug}/search"),
    ("GET", "/groups/{slug}/threads"),
    ("POST", "/groups/{slug}/threads"),
    ("GET", "/groups/{slug}/threads/{thread_id}"),
    ("PATCH", "/groups/{slug}/threads/{thread_id}"),
    ("DELETE", "/groups/{slug}/threads/{thread_id}"),
    ("POST", "/groups/{slug}/threads/{thread_id}/flags"),
    ("GET", "/groups/{slug}/threads/{thread_id}/replies"),
    ("POST", "/groups/{slug}/threads/{thread_id}/replies"),
    ("PATCH", "/groups/{slug}/threads/{thread_id}/replies/{reply_id}"),
    ("DELETE", "/groups/{slug}/threads/{thread_id}/replies/{reply_id}"),
}
#: Reads visitors may make (public groups); search needs ``q`` (422 without it).
PUBLIC_READS = {op for op in COMMUNITY_OPERATIONS if op[0] == "GET"} - {
    ("GET", "/groups/invitations"),
    ("GET", "/groups/{slug}/memberships"),
}

COMMUNITY_BODIES: list[tuple[str, bytes, str]] = [
    ("name NUL", b'{"name": "a\\u0000b", "description": "x"}', "application/json"),
    ("visibility wrong", b'{"name": "x", "visibility": "everyone"}', "application/json"),
    ("topics wrong", b'{"name": "x", "topics": "a,b"}', "application/json"),
    (
        "topics many",
        ('{"name": "x", "topics": [' + ",".join(['"t"'] * 50) + "]}").encode(),
        "application/json",
    ),
    ("slug evil", b'{"name": "x", "slug": "../admin"}', "application/json"),
    ("title huge", ('{"title": "' + "t" * 5000 + '", "body": "b"}').encode(), "application/json"),
    ("body huge", ('{"title": "t", "body": "' + "b" * 30000 + '"}').encode(), "application/json"),
    ("quoted wrong", b'{"body": "b", "quoted_id": "first"}', "application/json"),
    ("quoted huge", b'{"body": "b", "quoted_id": 99999999999999999999999}', "application/json"),
    ("quoted negative", b'{"body": "b", "quoted_id": -1}', "application/json"),
    ("role wrong", b'{"role": "owner"}', "application/json"),
    ("flags wrong", b'{"pinned": "yes please", "locked": [1]}', "application/json"),
    ("handle object", b'{"handle": {"$ne": ""}}', "application/json"),
    (
        "unknown fields",
        b'{"title": "t", "body": "b", "author_id": 1, "pinned": true}',
        "application/json",
    ),
]

COMMUNITY_QUERIES = [
    "q=" + "%E2%80%AE" * 500,
    "q=%00",
    "q=!!!%20%26%20|%20(",
    "q=" + "x" * 10_000,
    "state=owner",
    "mine=perhaps",
    "topic=%00&specialty=%00",
    "page_size=0",
    "page_size=101",
]

IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]


@dataclass
class World:
    """A member who owns a public group with a thread and a reply, and another member."""

    api: ApiClient
    user: Any
    values: dict[str, str] = field(default_factory=dict)

    def url(self, template: str, **overrides: str) -> str:
        values = {**self.values, **overrides}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture
def world(db) -> World:
    me = ProfileFactory().user
    group = make_group(me)
    other = add_member(group)
    thread = make_thread(group, me)
    reply = make_reply(thread, me)
    return World(
        api=ApiClient(token=token_for(me)),
        user=me,
        values={
            "slug": group.slug,
            "handle": other.profile.handle,
            "action": "remove",
            "thread_id": str(thread.pk),
            "reply_id": str(reply.pk),
        },
    )


def operations() -> list[tuple[str, str]]:
    return sorted(COMMUNITY_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_groups_operation_is_in_the_schema_and_this_table():
    """The schema's /groups operations are exactly this module's table."""
    listed = {op for op in openapi_operations() if op[1].startswith("/groups")}
    assert listed == COMMUNITY_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *COMMUNITY_BODIES]:
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
                body=b'{"body": "x", "title": "t", "role": "member"}',
                content_type="application/json",
            )
            assert_handled(response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad numbers, unknown choices, over-long and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in [*HOSTILE_QUERIES, *COMMUNITY_QUERIES]:
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
            assert response.status_code not in {200, 201, 204} or operation in PUBLIC_READS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_visitors_get_json_answers_everywhere(world, operation):
    """Without credentials: public reads answer (200, or 422 for a search without q); every
    other operation is a JSON 401."""
    method, template = operation
    response = raw_request(
        ApiClient(), method, world.url(template), body=b"{}", content_type="application/json"
    )
    assert_handled(response, f"anonymous {method} {template}")
    expected = {200, 422} if operation in PUBLIC_READS else {401}
    assert response.status_code in expected, (method, template, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(world, operation):
    """A signed-in session calling an unsafe method without the CSRF token gets a JSON 403."""
    method, template = operation

    def state() -> tuple[Any, ...]:
        return (
            list(Group.objects.values_list("id", "name", "visibility")),
            list(GroupMembership.objects.values_list("user_id", "state", "role")),
            list(Thread.objects.values_list("id", "title", "pinned")),
            list(Reply.objects.values_list("id", "body")),
        )

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    before = state()
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"name": "x", "title": "t", "body": "b", "role": "member", "handle": "x"}',
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
        st.sampled_from(["", "public", "secret", "moderator", "\x00", "@member-1"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
fields = [
    "name",
    "description",
    "visibility",
    "topics",
    "specialties",
    "organization",
    "slug",
    "title",
    "body",
    "quoted_id",
    "acknowledge_warnings",
]
bodies = st.one_of(st.dictionaries(st.sampled_from(fields), json_values, max_size=5), json_values)


@FUZZ
@given(body=bodies)
def test_fuzzed_write_bodies_never_fail(world, body):
    """Any JSON sent to create a group, a thread or a reply is a 201 or a 4xx JSON error."""
    for path in (
        "/groups",
        world.url("/groups/{slug}/threads"),
        world.url("/groups/{slug}/threads/{thread_id}/replies"),
        world.url("/groups/{slug}"),
    ):
        method = "PATCH" if path == world.url("/groups/{slug}") else "POST"
        response = raw_request(
            world.api, method, path, body=_json(body), content_type="application/json"
        )
        assert_handled(response, f"{method} {path} {body!r}")


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


list_params = st.fixed_dictionaries(
    {},
    optional={
        "q": st.text(max_size=250),
        "topic": st.text(max_size=50),
        "specialty": st.text(max_size=50),
        "mine": st.one_of(st.booleans(), st.text(max_size=6)),
        "state": st.one_of(st.sampled_from(["requested", "banned"]), st.text(max_size=10)),
        "page": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
        "page_size": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
    },
)


@FUZZ
@given(params=list_params)
def test_fuzzed_list_parameters_never_fail(world, params):
    """Any parameters to the group lists and searches are answered 200 or 422, always JSON."""
    for path in (
        "/groups",
        "/groups/search",
        world.url("/groups/{slug}/search"),
        world.url("/groups/{slug}/threads"),
        world.url("/groups/{slug}/memberships"),
    ):
        response = world.api.get(path, params)
        assert_handled(response, f"GET {path} {params!r}")
        assert response.status_code in {200, 422}, (path, params, response.content[:300])
