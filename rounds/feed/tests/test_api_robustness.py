"""Hostile and malformed input to every feed endpoint is answered < 500 with JSON.

The tables (bodies, path values, query strings, headers) are the project's own, from
tests/test_api_robustness.py; this module sends them to the feed operations, which that
module's schema test expects to find listed here (``FEED_OPERATIONS``). Hypothesis then fuzzes
the post and comment bodies and the feed's cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.core.tests.api_client import ApiClient, token_for
from rounds.feed.models import Comment
from rounds.feed.tests.factories import make_post
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

FEED_OPERATIONS = {
    ("POST", "/posts"),
    ("GET", "/posts/{post_id}"),
    ("PATCH", "/posts/{post_id}"),
    ("DELETE", "/posts/{post_id}"),
    ("GET", "/posts/{post_id}/history"),
    ("POST", "/posts/{post_id}/reposts"),
    ("PUT", "/posts/{post_id}/like"),
    ("DELETE", "/posts/{post_id}/like"),
    ("PUT", "/posts/{post_id}/bookmark"),
    ("DELETE", "/posts/{post_id}/bookmark"),
    ("GET", "/posts/{post_id}/comments"),
    ("POST", "/posts/{post_id}/comments"),
    ("PATCH", "/posts/{post_id}/comments/{comment_id}"),
    ("DELETE", "/posts/{post_id}/comments/{comment_id}"),
    ("GET", "/feed"),
    ("GET", "/feed/discussions"),
    ("GET", "/feed/bookmarks"),
    ("GET", "/posts/search"),
    ("GET", "/feed/mutes"),
    ("PUT", "/feed/mutes/members/{handle}"),
    ("DELETE", "/feed/mutes/members/{handle}"),
    ("GET", "/topics/{slug}"),
    ("GET", "/topics/{slug}/posts"),
    ("PUT", "/topics/{slug}/follow"),
    ("DELETE", "/topics/{slug}/follow"),
    ("PUT", "/topics/{slug}/mute"),
    ("DELETE", "/topics/{slug}/mute"),
}
#: Reads visitors may make (public posts and topics).
PUBLIC_READS = {
    ("GET", "/posts/{post_id}"),
    ("GET", "/posts/{post_id}/history"),
    ("GET", "/posts/{post_id}/comments"),
    ("GET", "/topics/{slug}"),
    ("GET", "/topics/{slug}/posts"),
}

FEED_BODIES: list[tuple[str, bytes, str]] = [
    ("body is a number", b'{"body": 12345}', "application/json"),
    ("body is a list", b'{"body": ["a", "b"]}', "application/json"),
    ("body is an object", b'{"body": {"$ne": ""}}', "application/json"),
    ("body with NUL", b'{"body": "a\\u0000b"}', "application/json"),
    ("body lone surrogate", b'{"body": "\\ud800"}', "application/json"),
    ("body too long", ('{"body": "' + "p" * 3001 + '"}').encode(), "application/json"),
    ("body huge", ('{"body": "' + "h" * 100_000 + '"}').encode(), "application/json"),
    ("audience wrong", b'{"body": "x", "audience": "everyone"}', "application/json"),
    ("audience list", b'{"body": "x", "audience": ["public"]}', "application/json"),
    ("group unknown", b'{"body": "x", "audience": "group", "group": "nope"}', "application/json"),
    ("group NUL", b'{"body": "x", "audience": "group", "group": "\\u0000"}', "application/json"),
    ("group huge", ('{"body": "x", "group": "' + "g" * 5000 + '"}').encode(), "application/json"),
    ("parent huge", b'{"body": "x", "parent": 99999999999999999999999}', "application/json"),
    ("parent negative", b'{"body": "x", "parent": -1}', "application/json"),
    ("parent string", b'{"body": "x", "parent": "abc"}', "application/json"),
    ("ack string", b'{"body": "x", "acknowledge_warnings": "maybe"}', "application/json"),
    ("unknown fields", b'{"body": "x", "author": 1, "like_count": 9}', "application/json"),
]

FEED_QUERIES = [
    "cursor=abc",
    "cursor=" + "x" * 10_000,
    "cursor=%00",
    "cursor=MjAyNi0wMS0wMXx4",
    "cursor=OTk5OTktMDEtMDFUMDA6MDA6MDB8MQ",
    "page_size=0",
    "page_size=-1",
    "page_size=99999999999999999999999",
    "page_size=abc",
    "after=0",
    "after=-5",
    "after=99999999999999999999999",
    "after=abc",
    "q=%00",
    "q=" + "q" * 10_000,
    "q=%22unclosed",
    "q=a%20OR%20OR%20-",
    "q=%26%7C%21%3A*()",
    "q=the",
]

IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]


@dataclass
class World:
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
    connect(me.user, other.user)
    post = make_post(me.user, "About #triage")
    comment = Comment.objects.create(post=post, author=me.user, body="Noted")
    return World(
        api=ApiClient(token=token_for(me.user)),
        user=me.user,
        values={
            "post_id": str(post.pk),
            "comment_id": str(comment.pk),
            "handle": other.handle,
            "slug": "triage",
        },
    )


def operations() -> list[tuple[str, str]]:
    return sorted(FEED_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_feed_operation_is_in_the_schema_and_this_table():
    """The schema's feed operations are exactly this module's table (update both together)."""
    listed = {
        (method, path)
        for method, path in openapi_operations()
        if re.match(r"/(posts|feed|topics)(/|$)", path)
    }
    assert listed == FEED_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *FEED_BODIES]:
        if method == "DELETE" and template == "/posts/{post_id}":
            continue  # deleting the post would empty the world for the next bodies
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
                body=b'{"body": "x"}',
                content_type="application/json",
            )
            assert_handled(response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad cursors, sizes, over-long and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    if method == "DELETE" and template == "/posts/{post_id}":
        return
    for query in [*HOSTILE_QUERIES, *FEED_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b"{}",
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template}?{query[:60]}")
    raw = raw_request(world.api, method, world.url(template), QUERY_STRING="q=\xff\xfe&cursor=\x00")
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


@FUZZ
@given(body=st.text(max_size=400), audience=st.sampled_from(["public", "members", "x", ""]))
def test_fuzzed_posts_are_handled(world, body, audience):
    """Any text and audience is published or refused with a 4xx, never a 5xx."""
    response = world.api.post("/posts", {"body": body, "audience": audience})
    assert_handled(response, repr(body[:40]))


@FUZZ
@given(cursor=st.text(max_size=120))
def test_fuzzed_cursors_are_handled(world, cursor):
    """Any cursor is a page or a 422, never a 5xx."""
    assert_handled(world.api.get("/feed", {"cursor": cursor}), repr(cursor[:40]))
