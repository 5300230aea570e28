"""Hostile and malformed input to every core events endpoint is answered < 500 with JSON.

``EVENTS_OPERATIONS`` is this module's table for the project-wide schema test (e2's and e3's
operations under /events are in their own tables). Hypothesis then fuzzes the event and
registration bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.core.tests.api_client import ApiClient, token_for
from rounds.events import services
from rounds.events.models import Event, EventOrganizer, EventShift, Registration
from tests.test_api_robustness import (
    HOSTILE_BODIES,
    HOSTILE_HEADERS,
    HOSTILE_PATH_VALUES,
    HOSTILE_QUERIES,
    assert_handled,
    openapi_operations,
    raw_request,
)

from .factories import fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EVENTS_OPERATIONS = {
    ("GET", "/events"),
    ("POST", "/events"),
    ("GET", "/events/mine"),
    ("GET", "/events/{event_id}"),
    ("PATCH", "/events/{event_id}"),
    ("POST", "/events/{event_id}/publish"),
    ("POST", "/events/{event_id}/cancel"),
    ("GET", "/events/{event_id}/organizers"),
    ("POST", "/events/{event_id}/organizers"),
    ("DELETE", "/events/{event_id}/organizers/{handle}"),
    ("GET", "/events/{event_id}/shifts"),
    ("POST", "/events/{event_id}/shifts"),
    ("DELETE", "/events/{event_id}/shifts/{shift_id}"),
    ("GET", "/events/{event_id}/registration"),
    ("PUT", "/events/{event_id}/registration"),
    ("PATCH", "/events/{event_id}/registration"),
    ("DELETE", "/events/{event_id}/registration"),
    ("GET", "/events/{event_id}/roster"),
    ("PUT", "/events/{event_id}/attendance/{handle}"),
}
#: The time-zone setting events rely on (rounds/profiles/api.py), tested here with them.
TIME_ZONE_OPERATIONS = {("PUT", "/me/time-zone")}
PUBLIC_READS = {
    ("GET", "/events"),
    ("GET", "/events/{event_id}"),
    ("GET", "/events/{event_id}/organizers"),
    ("GET", "/events/{event_id}/shifts"),
}

EVENTS_BODIES: list[tuple[str, bytes, str]] = [
    ("title NUL", b'{"title": "a\\u0000b", "starts_at": "2030-01-01T10:00"}', "application/json"),
    ("dates junk", b'{"title": "t", "starts_at": "soon", "ends_at": 5}', "application/json"),
    (
        "dates extreme",
        b'{"title": "t", "starts_at": "0001-01-01T00:00", "ends_at": "9999-12-31T23:59"}',
        "application/json",
    ),
    ("zone evil", b'{"title": "t", "time_zone": "../../etc/passwd"}', "application/json"),
    ("capacity huge", b'{"capacity": 99999999999999999999999}', "application/json"),
    ("capacity negative", b'{"capacity": -3}', "application/json"),
    ("credits nan", b'{"cme_credits": "NaN"}', "application/json"),
    ("state wrong", b'{"state": "attended"}', "application/json"),
    ("shift huge", b'{"state": "going", "shift": 99999999999999999999999}', "application/json"),
    ("shift string", b'{"shift": "morning"}', "application/json"),
    ("visibility wrong", b'{"roster_visibility": "everyone"}', "application/json"),
    ("handle object", b'{"handle": {"$ne": ""}}', "application/json"),
    ("attended string", b'{"attended": "perhaps"}', "application/json"),
    ("skills many", ('{"skills": [' + ",".join(['"s"'] * 50) + "]}").encode(), "application/json"),
    ("join url js", b'{"join_url": "javascript:alert(1)"}', "application/json"),
    ("unknown fields", b'{"title": "t", "going_count": 0, "organizer_id": 1}', "application/json"),
]

EVENTS_QUERIES = [
    "kind=party",
    "date_from=0000-00-00&date_to=99999-01-01",
    "date_from=0001-01-01&date_to=9999-12-31",
    "online=maybe&cme=perhaps",
    "city=%00&specialty=%00&topic=%00&skill=%00",
    "q=" + "x" * 10_000,
    "section=everything",
    "state=cancelled",
    "page_size=0",
    "page_size=101",
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
    me = new_user()
    event = make_event(me, kind="volunteering", duration=timedelta(hours=4))
    e = fresh(event)
    shift = services.shift_add(
        actor=me, event=e, title="Intake", starts_at=e.starts_at, ends_at=e.ends_at
    )
    other = new_user()
    services.co_organizer_add(actor=me, event=fresh(event), handle=other.profile.handle)
    register(event, new_user(), shift=shift.pk)
    return World(
        api=ApiClient(token=token_for(me)),
        user=me,
        values={
            "event_id": str(event.pk),
            "handle": other.profile.handle,
            "shift_id": str(shift.pk),
        },
    )


def operations() -> list[tuple[str, str]]:
    return sorted(EVENTS_OPERATIONS | TIME_ZONE_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_core_events_operation_is_in_the_schema():
    assert openapi_operations() >= EVENTS_OPERATIONS | TIME_ZONE_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *EVENTS_BODIES]:
        response = raw_request(
            world.api, method, world.url(template), body=body, content_type=content_type
        )
        assert_handled(response, f"{method} {template} with {name}")


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_hostile_path_parameters_are_answered_with_json(world, operation):
    method, template = operation
    for name in re.findall(r"\{(\w+)\}", template):
        for value in [*HOSTILE_PATH_VALUES, *IMPOSSIBLE_IDS]:
            response = raw_request(
                world.api,
                method,
                world.url(template, **{name: value}),
                body=b'{"title": "t", "state": "going", "handle": "x"}',
                content_type="application/json",
            )
            assert_handled(response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 409, 422}, (
                    value,
                    response.content[:200],
                )


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    method, template = operation
    for query in [*HOSTILE_QUERIES, *EVENTS_QUERIES]:
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
    method, template = operation
    response = raw_request(
        ApiClient(), method, world.url(template), body=b"{}", content_type="application/json"
    )
    assert_handled(response, f"anonymous {method} {template}")
    expected = {200} if operation in PUBLIC_READS else {401}
    assert response.status_code in expected, (method, template, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(world, operation):
    method, template = operation

    def state() -> tuple[Any, ...]:
        return (
            list(Event.objects.values_list("id", "title", "state", "capacity")),
            list(Registration.objects.values_list("user_id", "state", "roster_visibility")),
            list(EventOrganizer.objects.values_list("user_id")),
            list(EventShift.objects.values_list("id", "title")),
        )

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    before = state()
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"title": "x", "state": "going", "handle": "x", "reason": "r"}',
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
        st.sampled_from(
            ["", "going", "hidden", "UTC", "2030-02-30T10:00", "2031-03-09T02:30", "\x00"]
        ),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
fields = [
    "title",
    "kind",
    "description",
    "starts_at",
    "ends_at",
    "time_zone",
    "capacity",
    "cme_credits",
    "city",
    "is_online",
    "join_url",
    "skills",
    "specialties",
    "registration_deadline",
    "group",
    "state",
    "shift",
    "roster_visibility",
]
bodies = st.one_of(st.dictionaries(st.sampled_from(fields), json_values, max_size=6), json_values)


@FUZZ
@given(body=bodies)
def test_fuzzed_event_bodies(world, body):
    for method, template in (
        ("POST", "/events"),
        ("PATCH", "/events/{event_id}"),
        ("PUT", "/events/{event_id}/registration"),
    ):
        response = world.api.send(method, world.url(template), body)
        assert_handled(response, f"{method} {template} with {body!r}"[:300])
