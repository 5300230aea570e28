"""Hostile and malformed input to every report and moderation endpoint is answered < 500
with JSON. The tables are the project's own (tests/test_api_robustness.py), whose schema test
expects these operations listed here (``MODERATION_OPERATIONS``). Hypothesis then fuzzes the
report and action bodies and the queue parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.core.tests.api_client import ApiClient, token_for
from rounds.moderation.models import ModerationAction, Report, Suspension
from rounds.moderation.tests.factories import message_between, report, staff_member
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

MODERATION_OPERATIONS = {
    ("POST", "/reports"),
    ("GET", "/moderation/queue"),
    ("GET", "/moderation/reports/{report_id}"),
    ("POST", "/moderation/reports/{report_id}/actions"),
    ("GET", "/moderation/log"),
    ("GET", "/moderation/suspensions"),
    ("POST", "/moderation/suspensions"),
    ("POST", "/moderation/suspensions/{suspension_id}/lift"),
    ("GET", "/moderation/guard-overrides"),
}

MODERATION_BODIES: list[tuple[str, bytes, str]] = [
    (
        "kind is a number",
        b'{"target_kind": 5, "target_id": 1, "reason": "spam"}',
        "application/json",
    ),
    (
        "kind huge",
        ('{"target_kind": "' + "k" * 100_000 + '", "target_id": 1, "reason": "spam"}').encode(),
        "application/json",
    ),
    (
        "kind NUL",
        b'{"target_kind": "pro\\u0000file", "target_id": 1, "reason": "spam"}',
        "application/json",
    ),
    (
        "id is a string",
        b'{"target_kind": "profile", "target_id": "1", "reason": "spam"}',
        "application/json",
    ),
    (
        "id huge",
        b'{"target_kind": "profile", "target_id": 99999999999999999999999, "reason": "spam"}',
        "application/json",
    ),
    (
        "id negative",
        b'{"target_kind": "profile", "target_id": -3, "reason": "spam"}',
        "application/json",
    ),
    (
        "reason unknown",
        b'{"target_kind": "profile", "target_id": 1, "reason": "boredom"}',
        "application/json",
    ),
    (
        "details huge",
        (
            '{"target_kind": "profile", "target_id": 1, "reason": "spam", "details": "'
            + "d" * 100_000
            + '"}'
        ).encode(),
        "application/json",
    ),
    (
        "details NUL",
        b'{"target_kind": "profile", "target_id": 1, "reason": "spam", "details": "a\\u0000"}',
        "application/json",
    ),
    (
        "details surrogate",
        b'{"target_kind": "profile", "target_id": 1, "reason": "spam", "details": "\\ud800"}',
        "application/json",
    ),
    ("action unknown", b'{"action": "nuke", "reason": "x"}', "application/json"),
    ("action list", b'{"action": ["hide"], "reason": "x"}', "application/json"),
    (
        "reason huge",
        ('{"action": "warn", "reason": "' + "r" * 100_000 + '"}').encode(),
        "application/json",
    ),
    ("days negative", b'{"action": "suspend", "reason": "x", "days": -1}', "application/json"),
    ("days huge", b'{"action": "suspend", "reason": "x", "days": 1e308}', "application/json"),
    ("days string", b'{"action": "suspend", "reason": "x", "days": "week"}', "application/json"),
    ("handle NUL", b'{"handle": "b\\u0000", "reason": "x"}', "application/json"),
    (
        "handle huge",
        ('{"handle": "' + "h" * 100_000 + '", "reason": "x"}').encode(),
        "application/json",
    ),
    (
        "unknown fields",
        b'{"action": "dismiss", "state": "open", "reporter": 1}',
        "application/json",
    ),
]

MODERATION_QUERIES = [
    "state=closed",
    "state=" + "x" * 10_000,
    "reason=boredom",
    "reason=%00",
    "action=nuke",
    "days=-1",
    "days=99999999999",
    "kind=" + "k" * 500,
    "kind=%00",
    "page=0&page_size=1000",
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
    """Site staff with a report on a message and an active suspension."""
    staff = staff_member(handle="staff")
    ana, ben = ProfileFactory(handle="ana"), ProfileFactory(handle="ben")
    message = message_between(ben.user, ana.user, body="Buy now")
    filed = report(ana.user, "message", message.pk)
    suspension = Suspension.objects.create(user=ben.user, reason="Spam", created_by=staff.user)
    return World(
        api=ApiClient(token=token_for(staff.user)),
        user=staff.user,
        values={"report_id": str(filed.pk), "suspension_id": str(suspension.pk)},
    )


def operations() -> list[tuple[str, str]]:
    return sorted(MODERATION_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_moderation_operation_is_in_the_schema_and_this_table():
    """The schema's /reports and /moderation operations are exactly this module's table."""
    listed = {(m, p) for m, p in openapi_operations() if p.startswith(("/reports", "/moderation"))}
    assert listed == MODERATION_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *MODERATION_BODIES]:
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
                body=b'{"action": "dismiss"}',
                content_type="application/json",
            )
            assert_handled(response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad states, reasons, pages and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in [*HOSTILE_QUERIES, *MODERATION_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b'{"action": "dismiss"}',
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template}?{query[:60]}")


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

    def state():
        return (
            list(Report.objects.values()),
            list(ModerationAction.objects.values()),
            list(Suspension.objects.values()),
        )

    before = state()
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"action": "dismiss", "handle": "ana", "reason": "x"}',
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403
    assert state() == before


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=60),
        st.sampled_from(["", "profile", "message", "spam", "hide", "ben", "\x00", "x" * 1001]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
body_fields = ["target_kind", "target_id", "reason", "details", "action", "days", "handle"]
bodies = st.one_of(
    st.dictionaries(st.sampled_from(body_fields), json_values, max_size=4), json_values
)


@FUZZ
@given(body=bodies)
def test_fuzzed_bodies_never_fail(world, body):
    """Any JSON sent to report, act or suspend is a 2xx or a 4xx JSON error."""
    for path in (
        "/reports",
        world.url("/moderation/reports/{report_id}/actions"),
        "/moderation/suspensions",
    ):
        assert_handled(world.api.post(path, body), f"POST {path} {body!r}")


@FUZZ
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "state": st.one_of(st.sampled_from(["open", "all", "dismissed"]), st.text(max_size=20)),
            "reason": st.text(max_size=20),
            "page": st.one_of(st.integers(-10, 10**6), st.text(max_size=8)),
            "page_size": st.one_of(st.integers(-10, 10**6), st.text(max_size=8)),
            "days": st.one_of(st.integers(-10, 10**6), st.text(max_size=8)),
        },
    )
)
def test_fuzzed_list_parameters_never_fail(world, params):
    """Any parameters to the lists are answered 200 or 422, always JSON."""
    for path in ("/moderation/queue", "/moderation/log", "/moderation/guard-overrides"):
        response = world.api.get(path, params)
        assert_handled(response, f"GET {path} {params!r}")
        assert response.status_code in {200, 422}, (path, params, response.content[:300])
