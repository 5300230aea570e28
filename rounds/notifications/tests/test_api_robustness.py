"""Hostile and malformed input to every notifications endpoint is answered < 500 with JSON.

The project's tables (bodies, path values, query strings, headers) from
tests/test_api_robustness.py are sent to the notification operations, which that module's
schema test expects to find listed here (``NOTIFICATION_OPERATIONS``). Hypothesis then fuzzes
the preferences body and the list parameters.
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
from rounds.notifications.models import Kind, Notification, NotificationPreference
from rounds.notifications.tests.factories import note
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

NOTIFICATION_OPERATIONS = {
    ("GET", "/notifications"),
    ("GET", "/notifications/unread-count"),
    ("POST", "/notifications/read-all"),
    ("GET", "/notifications/preferences"),
    ("PUT", "/notifications/preferences"),
    ("GET", "/notifications/{notification_id}"),
    ("POST", "/notifications/{notification_id}/read"),
}

NOTIFICATION_BODIES: list[tuple[str, bytes, str]] = [
    ("up_to_id string", b'{"up_to_id": "12"}', "application/json"),
    ("up_to_id huge", b'{"up_to_id": 1e300}', "application/json"),
    ("up_to_id negative", b'{"up_to_id": -5}', "application/json"),
    ("preferences list", b'{"preferences": ["off"]}', "application/json"),
    ("preferences nested", b'{"preferences": {"mention": {"off": 1}}}', "application/json"),
    ("preferences NUL kind", b'{"preferences": {"\\u0000": "off"}}', "application/json"),
    ("preferences NUL value", b'{"preferences": {"mention": "off\\u0000"}}', "application/json"),
    (
        "preferences too many",
        ('{"preferences": {' + ",".join(f'"k{i}": "off"' for i in range(500)) + "}}").encode(),
        "application/json",
    ),
    (
        "unknown fields",
        b'{"recipient": 1, "read_at": "2020-01-01", "is_staff": true}',
        "application/json",
    ),
]

NOTIFICATION_QUERIES = [
    "cursor=%00",
    "cursor=" + "9" * 10_000,
    "cursor=1-2-3",
    "cursor=-1--1",
    "limit=0",
    "limit=-1",
    "limit=99999999999999999999999",
    "limit=abc",
    "unread=maybe",
    "unread=%00",
    "limit=1&limit=2&cursor=a&cursor=b",
]

#: Numeric ids no row can have (beyond bigint, zero, negative): 404, never 500.
IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]


@dataclass
class World:
    """A member with notifications of their own and someone else's."""

    api: ApiClient
    user: Any
    values: dict[str, str] = field(default_factory=dict)

    def url(self, template: str, **overrides: str) -> str:
        values = {**self.values, **overrides}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture
def world(db) -> World:
    me = ProfileFactory().user
    mine = note(me, kind=Kind.CONNECTION_REQUEST, url="/network/requests/")
    note(me, kind=Kind.MENTION)
    note(ProfileFactory().user)
    return World(
        api=ApiClient(token=token_for(me)), user=me, values={"notification_id": str(mine.pk)}
    )


def operations() -> list[tuple[str, str]]:
    return sorted(NOTIFICATION_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_notification_operation_is_in_the_schema_and_this_table():
    """The schema's notification operations are exactly this module's table."""
    listed = {op for op in openapi_operations() if op[1].startswith("/notifications")}
    assert listed == NOTIFICATION_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *NOTIFICATION_BODIES]:
        response = raw_request(
            world.api, method, world.url(template), body=body, content_type=content_type
        )
        assert_handled(response, f"{method} {template} with {name}")


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_hostile_path_parameters_are_answered_with_json(world, operation):
    """NUL, huge, negative, traversal and non-UTF-8 ids are 404/405/422 JSON."""
    method, template = operation
    for value in [*HOSTILE_PATH_VALUES, *IMPOSSIBLE_IDS]:
        response = raw_request(world.api, method, world.url(template, notification_id=value))
        assert_handled(response, f"{method} {template} with id={value[:40]}")
        if response.status_code >= 400:
            assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad cursors, limits, flags and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in [*HOSTILE_QUERIES, *NOTIFICATION_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b"{}",
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template}?{query[:60]}")
    raw = raw_request(world.api, method, world.url(template), QUERY_STRING="cursor=\xff\xfe")
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
        assert response.status_code == 401, (headers, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(world, operation):
    """A signed-in session calling an unsafe method without the CSRF token gets a JSON 403."""
    method, template = operation
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    before = (
        list(Notification.objects.order_by("pk").values_list("read_at", flat=True)),
        NotificationPreference.objects.count(),
    )
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"preferences": {"mention": "off"}}' if method == "PUT" else b"{}",
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403
    after = (
        list(Notification.objects.order_by("pk").values_list("read_at", flat=True)),
        NotificationPreference.objects.count(),
    )
    assert after == before


def test_wrong_methods_are_json_405(world):
    """Unsupported methods on notification paths are a JSON 405 with an Allow header."""
    for method, url in (
        ("POST", "/notifications"),
        ("GET", "/notifications/read-all"),
        ("POST", "/notifications/preferences"),
        ("DELETE", world.url("/notifications/{notification_id}")),
        ("GET", world.url("/notifications/{notification_id}/read")),
    ):
        response = raw_request(world.api, method, url, body=b"{}", content_type="application/json")
        assert_handled(response, f"{method} {url}")
        assert response.status_code == 405, (method, url, response.content[:200])
        assert response["Allow"]


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=40),
        st.sampled_from(["off", "digest", "immediate", "\x00", *Kind.values]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
preference_maps = st.dictionaries(
    st.one_of(st.sampled_from(Kind.values), st.text(max_size=45)), json_values, max_size=5
)


@FUZZ
@given(body=st.one_of(st.fixed_dictionaries({"preferences": preference_maps}), json_values))
def test_fuzzed_preferences_never_fail(world, body):
    """Any JSON sent to PUT /notifications/preferences is a 200 or a 422 JSON error."""
    response = world.api.put("/notifications/preferences", body)
    assert_handled(response, f"PUT /notifications/preferences {body!r}")
    assert response.status_code in {200, 422}, (body, response.content[:300])


@FUZZ
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "cursor": st.one_of(st.text(max_size=70), st.from_regex(r"\A\d{1,20}-\d{1,20}\Z")),
            "limit": st.one_of(st.integers(-10, 10**20), st.text(max_size=12)),
            "unread": st.one_of(st.booleans(), st.text(max_size=6)),
        },
    )
)
def test_fuzzed_list_parameters_never_fail(world, params):
    """Any parameters to GET /notifications are answered 200 or 422, always JSON."""
    response = world.api.get("/notifications", params)
    assert_handled(response, f"GET /notifications {params!r}")
    assert response.status_code in {200, 422}, (params, response.content[:300])
