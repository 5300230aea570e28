"""Hostile and malformed input to every data-rights endpoint is answered < 500 with JSON.

The tables (bodies, query strings, headers) are the project's own, from
tests/test_api_robustness.py; ``DATA_RIGHTS_OPERATIONS`` lists this module's operations
(add it to that module's ``all_operations()``). Hypothesis then fuzzes the deletion body.
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.accounts.models import AccountDeletion, DataExport
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

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

DATA_RIGHTS_OPERATIONS = {
    ("GET", "/me/export"),
    ("POST", "/me/export"),
    ("GET", "/me/export/download"),
    ("GET", "/me/deletion"),
    ("POST", "/me/deletion"),
    ("DELETE", "/me/deletion"),
}

DELETION_BODIES: list[tuple[str, bytes, str]] = [
    ("password number", b'{"password": 12345}', "application/json"),
    ("password list", b'{"password": ["a"]}', "application/json"),
    ("password object", b'{"password": {"$ne": ""}}', "application/json"),
    ("password empty", b'{"password": ""}', "application/json"),
    ("password NUL", b'{"password": "a\\u0000b"}', "application/json"),
    ("password huge", ('{"password": "' + "p" * 100_000 + '"}').encode(), "application/json"),
    ("choice wrong", b'{"password": "x", "public_contributions": "burn"}', "application/json"),
    ("choice bool", b'{"password": "x", "public_contributions": true}', "application/json"),
    ("extra fields", b'{"password": "x", "user_id": 1, "state": "completed"}', "application/json"),
]


@pytest.fixture
def member_api(db):
    member = ProfileFactory()
    return member.user, ApiClient(token=token_for(member.user))


def operations() -> list[tuple[str, str]]:
    return sorted(DATA_RIGHTS_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_data_rights_operation_is_in_the_schema_and_this_table():
    """The schema's export and deletion operations are exactly this module's table."""
    listed = {
        (method, path)
        for method, path in openapi_operations()
        if path.startswith(("/me/export", "/me/deletion"))
    }
    assert listed == DATA_RIGHTS_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(member_api, operation):
    """Malformed, mistyped, over-long and unknown-field bodies never cause a 5xx and never
    schedule a deletion."""
    user, api = member_api
    method, path = operation
    for name, body, content_type in [*HOSTILE_BODIES, *DELETION_BODIES]:
        response = raw_request(api, method, path, body=body, content_type=content_type)
        assert_handled(response, f"{method} {path} with {name}")
    assert not AccountDeletion.objects.filter(user=user).exists()


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(member_api, operation):
    """Query strings are ignored: never a 5xx."""
    _, api = member_api
    method, path = operation
    for query in HOSTILE_QUERIES:
        response = raw_request(
            api, method, f"{path}?{query}", body=b"{}", content_type="application/json"
        )
        assert_handled(response, f"{method} {path}?{query[:60]}")


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_auth_headers_and_visitors_get_401(member_api, operation):
    """Broken or missing credentials: a JSON 401 on every operation."""
    method, path = operation
    for headers in [*HOSTILE_HEADERS, {}]:
        response = raw_request(
            ApiClient(), method, path, body=b"{}", content_type="application/json", headers=headers
        )
        assert_handled(response, f"{method} {path} with {headers}")
        if not headers or headers.get("Authorization", "").lower().startswith("bearer "):
            assert response.status_code == 401, (headers, response.content[:200])
        else:
            assert response.status_code != 200


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403_and_change_nothing(member_api, operation):
    """A signed-in session without the CSRF token gets a JSON 403; nothing is requested."""
    user, _ = member_api
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    method, path = operation
    response = raw_request(
        ApiClient(client),
        method,
        path,
        body=b'{"password": "correct-horse-battery-staple"}',
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {path}")
    assert response.status_code == 403
    assert not AccountDeletion.objects.exists() and not DataExport.objects.exists()


def test_wrong_methods_are_json_405(member_api):
    """Unsupported methods on data-rights paths are a JSON 405 with an Allow header."""
    _, api = member_api
    for method, path in (
        ("PUT", "/me/export"),
        ("DELETE", "/me/export"),
        ("POST", "/me/export/download"),
        ("PATCH", "/me/deletion"),
    ):
        response = raw_request(api, method, path, body=b"{}", content_type="application/json")
        assert_handled(response, f"{method} {path}")
        assert response.status_code == 405 and response["Allow"]


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=40),
        st.sampled_from(["", "remove", "anonymise", "\x00"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
deletion_bodies = st.one_of(
    st.dictionaries(
        st.sampled_from(["password", "public_contributions", "unknown"]), json_values, max_size=3
    ),
    json_values,
)


@FUZZ
@given(body=deletion_bodies)
def test_fuzzed_deletion_bodies_never_fail(member_api, body):
    """Any JSON sent to POST /me/deletion is a 4xx JSON answer (no body holds the password)."""
    user, api = member_api
    response = api.post("/me/deletion", body)
    assert_handled(response, f"POST /me/deletion {body!r}")
    assert 400 <= response.status_code < 500
    assert not AccountDeletion.objects.filter(user=user).exists()
