"""Hostile and malformed input to the calendar-feed and certificate endpoints is answered < 500
with JSON.

The project's tables (bodies, path values, query strings, headers) from
tests/test_api_robustness.py are sent to this module's operations (``CALENDAR_OPERATIONS``,
which that module's schema test collects). Hypothesis then fuzzes the verification code.
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
from rounds.events import certificates
from rounds.events.models import AttendanceCertificate, CalendarFeed
from rounds.events.tests.factories import attend, make_event, new_user
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

CALENDAR_OPERATIONS = {
    ("GET", "/events/calendar-feed"),
    ("POST", "/events/calendar-feed"),
    ("DELETE", "/events/calendar-feed"),
    ("GET", "/events/{event_id}/certificate"),
    ("GET", "/certificates/{code}"),
}
PUBLIC_OPERATIONS = {("GET", "/certificates/{code}")}

CALENDAR_BODIES: list[tuple[str, bytes, str]] = [
    ("token supplied", b'{"token": "rcal_x", "digest": "00"}', "application/json"),
    ("user supplied", b'{"user_id": 1, "user": {"id": 1}}', "application/json"),
    ("code supplied", b'{"code": "AAAA-BBBB-CCCC-DDDD", "credits": 99}', "application/json"),
]

CALENDAR_QUERIES = [
    "code=%00",
    "token=rcal_" + "A" * 43,
    "event_id=-1",
    "past_days=999999",
]

IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]


def my_operation(op: tuple[str, str]) -> bool:
    path = op[1]
    return path.startswith("/certificates") or path in {
        "/events/calendar-feed",
        "/events/{event_id}/certificate",
    }


@dataclass
class World:
    """A member who attended an event with CME credits (certificate issued) and has a feed."""

    api: ApiClient
    user: Any
    values: dict[str, str] = field(default_factory=dict)

    def url(self, template: str, **overrides: str) -> str:
        values = {**self.values, **overrides}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture
def world(db) -> World:
    me = new_user()
    event = make_event(cme_credits="1.5")
    attend(event, me)
    certificate, _ = certificates.certificate_issue(actor=me, event_id=event.pk)
    return World(
        api=ApiClient(token=token_for(me)),
        user=me,
        values={"event_id": str(event.pk), "code": certificate.code},
    )


def operations() -> list[tuple[str, str]]:
    return sorted(CALENDAR_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_calendar_operation_is_in_the_schema_and_this_table():
    """The schema's calendar-feed and certificate operations are exactly this table."""
    assert {op for op in openapi_operations() if my_operation(op)} == CALENDAR_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation, settings):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed": 1000}
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *CALENDAR_BODIES]:
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
            response = raw_request(world.api, method, world.url(template, **{name: value}))
            assert_handled(response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 422}, (value, response.content[:200])
    assert AttendanceCertificate.objects.count() == 1


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation, settings):
    """Bad numbers, unknown choices, over-long and non-UTF-8 query strings never cause a 5xx."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed": 1000}
    method, template = operation
    for query in [*HOSTILE_QUERIES, *CALENDAR_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b"{}",
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template}?{query[:60]}")
    raw = raw_request(world.api, method, world.url(template), QUERY_STRING="code=\xff\xfe")
    assert_handled(raw, f"{method} {template} with raw non-UTF-8 query")


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_auth_headers_are_401(world, operation):
    """Broken bearer tokens are a JSON 401 — also on the public verification; other schemes
    make the caller a visitor (401 but on the verification)."""
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
        else:  # not a bearer token: a visitor, who may read only the public verification
            assert response.status_code == 401 or operation in PUBLIC_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_visitors_get_401_except_on_verification(world, operation):
    """Without credentials the member endpoints are 401; the verification answers visitors."""
    method, template = operation
    response = raw_request(ApiClient(), method, world.url(template))
    assert_handled(response, f"visitor {method} {template}")
    expected = 200 if operation in PUBLIC_OPERATIONS else 401
    assert response.status_code == expected, response.content[:200]


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(world, operation):
    """A signed-in session calling POST/DELETE without the CSRF token gets a JSON 403."""
    method, template = operation
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    before = list(CalendarFeed.objects.order_by("pk").values_list("pk", "revoked_at"))
    response = raw_request(ApiClient(client), method, world.url(template), body=b"{}")
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403
    after = list(CalendarFeed.objects.order_by("pk").values_list("pk", "revoked_at"))
    assert after == before


def test_wrong_methods_are_json_405(world):
    """Unsupported methods are a JSON 405 with an Allow header."""
    for method, url in (
        ("PUT", "/events/calendar-feed"),
        ("PATCH", "/events/calendar-feed"),
        ("POST", world.url("/events/{event_id}/certificate")),
        ("DELETE", world.url("/events/{event_id}/certificate")),
        ("POST", world.url("/certificates/{code}")),
    ):
        response = raw_request(world.api, method, url, body=b"{}", content_type="application/json")
        assert_handled(response, f"{method} {url}")
        assert response.status_code == 405, (method, url, response.content[:200])
        assert response["Allow"]


@FUZZ
@given(code=st.one_of(st.text(max_size=80), st.from_regex(r"\A[A-Za-z0-9 -]{10,30}\Z")))
def test_fuzzed_codes_never_fail(world, code):
    """Any text as a verification code is a 200, 404 or 422 JSON answer."""
    from urllib.parse import quote

    response = world.api.get("/certificates/" + quote(code, safe=""))
    assert_handled(response, f"GET /certificates/{code!r}")
    assert response.status_code in {200, 404, 422}, (code, response.content[:200])
