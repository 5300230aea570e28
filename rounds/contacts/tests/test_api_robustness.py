"""Hostile and malformed input to every notebook endpoint is answered < 500 with JSON.

The project's tables (bodies, path values, query strings, headers) from
tests/test_api_robustness.py are sent to the notebook's operations, which that module's schema
test expects to find listed here (``CONTACT_OPERATIONS``). Hypothesis then fuzzes the contact
body, the note body, the due cursor and the uploads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.contacts.imports import contact_import_create
from rounds.contacts.models import Contact, ContactNote, ContactTag
from rounds.contacts.services import note_create, tag_create
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

from .factories import add_contact

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CONTACT_OPERATIONS = {
    ("GET", "/contacts"),
    ("POST", "/contacts"),
    ("GET", "/contacts/due"),
    ("GET", "/contacts/export.vcf"),
    ("GET", "/contacts/{contact_id}"),
    ("PATCH", "/contacts/{contact_id}"),
    ("DELETE", "/contacts/{contact_id}"),
    ("POST", "/contacts/{contact_id}/snooze"),
    ("GET", "/contacts/{contact_id}/vcard"),
    ("GET", "/contacts/{contact_id}/notes"),
    ("POST", "/contacts/{contact_id}/notes"),
    ("PATCH", "/contacts/{contact_id}/notes/{note_id}"),
    ("DELETE", "/contacts/{contact_id}/notes/{note_id}"),
    ("POST", "/contacts/{contact_id}/interactions"),
    ("GET", "/contacts/tags"),
    ("POST", "/contacts/tags"),
    ("PATCH", "/contacts/tags/{tag_id}"),
    ("DELETE", "/contacts/tags/{tag_id}"),
    ("GET", "/contacts/settings"),
    ("PUT", "/contacts/settings"),
    ("POST", "/contacts/imports/linkedin"),
    ("POST", "/contacts/imports/vcard"),
    ("GET", "/contacts/imports"),
    ("GET", "/contacts/imports/{import_id}"),
    ("GET", "/contacts/imports/{import_id}/rows"),
    ("PATCH", "/contacts/imports/{import_id}/rows"),
    ("POST", "/contacts/imports/{import_id}/confirm"),
    ("POST", "/contacts/imports/{import_id}/cancel"),
}
#: Successful answers that are files, not JSON.
VCARD_OPERATIONS = {("GET", "/contacts/export.vcf"), ("GET", "/contacts/{contact_id}/vcard")}

CONTACT_BODIES: list[tuple[str, bytes, str]] = [
    ("name NUL", b'{"name": "a\\u0000b"}', "application/json"),
    ("name huge", ('{"name": "' + "n" * 100_000 + '"}').encode(), "application/json"),
    ("name lone surrogate", b'{"name": "\\ud800"}', "application/json"),
    ("email object", b'{"name": "A", "email": {"$ne": 1}}', "application/json"),
    ("url javascript", b'{"name": "A", "url": "javascript:alert(1)"}', "application/json"),
    ("cadence huge", b'{"name": "A", "cadence_days": 1e300}', "application/json"),
    ("cadence string", b'{"name": "A", "cadence_days": "often"}', "application/json"),
    ("tags strings", b'{"name": "A", "tag_ids": ["x", null]}', "application/json"),
    (
        "tags many",
        ('{"name": "A", "tag_ids": [' + ",".join("1" * 1 for _ in range(500)) + "]}").encode(),
        "application/json",
    ),
    ("tag id huge", b'{"name": "A", "tag_ids": [99999999999999999999999]}', "application/json"),
    ("note kind bogus", b'{"kind": "gossip", "body": "x"}', "application/json"),
    ("note date bogus", b'{"kind": "call", "occurred_on": "31/31/2020"}', "application/json"),
    ("note date far", b'{"kind": "call", "occurred_on": "9999-12-31"}', "application/json"),
    ("note date ancient", b'{"kind": "call", "occurred_on": "0001-01-01"}', "application/json"),
    ("body huge", ('{"kind": "note", "body": "' + "b" * 6000 + '"}').encode(), "application/json"),
    ("days negative", b'{"days": -5}', "application/json"),
    ("rows empty", b'{"rows": []}', "application/json"),
    ("rows index huge", b'{"rows": [{"index": 99999999999}]}', "application/json"),
    ("rows index negative", b'{"rows": [{"index": -1, "request": true}]}', "application/json"),
    (
        "rows too many",
        ('{"rows": [' + ",".join('{"index": 0}' for _ in range(2000)) + "]}").encode(),
        "application/json",
    ),
    (
        "settings zero",
        b'{"operational_days": 0, "personal_days": 0, "strategic_days": 0}',
        "application/json",
    ),
    ("confirm note NUL", b'{"note": "\\u0000"}', "application/json"),
    ("multipart no file", b"--x\r\n\r\n--x--\r\n", "multipart/form-data; boundary=x"),
    (
        "multipart broken",
        b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n",
        "multipart/form-data; boundary=x",
    ),
    ("multipart no boundary", b"garbage", "multipart/form-data"),
]

CONTACT_QUERIES = [
    "cursor=%00",
    "cursor=" + "9" * 10_000,
    "cursor=1_2_3",
    "cursor=-1_-1",
    f"cursor={2**80}_{2**80}",
    "limit=0",
    "limit=abc",
    "limit=99999999999999999999999",
    "tag=abc",
    "tag=0",
    "tag=99999999999999999999999",
    "type=galactic",
    "kind=robots",
    "archived=perhaps",
    "q=%00",
    "q=" + "x" * 1000,
]

IMPOSSIBLE_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40, "abc"]


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
    me = ProfileFactory().user
    contact = add_contact(me, "Priya Raman")
    note = note_create(
        actor=me, contact=contact, kind="note", occurred_on=timezone.localdate(), body="x"
    )
    tag = tag_create(actor=me, name="Board")
    imp = contact_import_create(
        actor=me,
        kind="linkedin",
        data=b"First Name,Last Name,Company,Position\nAna,Ruiz,Mercy,Nurse\n",
    )
    return World(
        api=ApiClient(token=token_for(me)),
        user=me,
        values={
            "contact_id": str(contact.pk),
            "note_id": str(note.pk),
            "tag_id": str(tag.pk),
            "import_id": str(imp.pk),
        },
    )


def _handled(operation: tuple[str, str], response: Any, what: str) -> None:
    if operation in VCARD_OPERATIONS and response.status_code == 200:
        assert response["Content-Type"].startswith("text/vcard"), what
        return
    assert_handled(response, what)


def operations() -> list[tuple[str, str]]:
    return sorted(CONTACT_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def test_every_contact_operation_is_in_the_schema_and_this_table():
    """The schema's notebook operations are exactly this module's table."""
    listed = {op for op in openapi_operations() if op[1].startswith("/contacts")}
    assert listed == CONTACT_OPERATIONS


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json(world, operation):
    """Malformed, mistyped, over-long, NUL-laden and unknown-field bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in [*HOSTILE_BODIES, *CONTACT_BODIES]:
        response = raw_request(
            world.api, method, world.url(template), body=body, content_type=content_type
        )
        _handled(operation, response, f"{method} {template} with {name}")


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_hostile_path_parameters_are_answered_with_json(world, operation):
    """NUL, huge, negative and non-numeric ids are 404/405/422 JSON."""
    method, template = operation
    names = re.findall(r"\{(\w+)\}", template)
    for name in names:
        for value in [*HOSTILE_PATH_VALUES, *IMPOSSIBLE_IDS]:
            response = raw_request(
                world.api,
                method,
                world.url(template, **{name: value}),
                body=b"{}",
                content_type="application/json",
            )
            _handled(operation, response, f"{method} {template} with {name}={value[:40]}")
            if response.status_code >= 400:
                assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad cursors, limits, filters and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in [*HOSTILE_QUERIES, *CONTACT_QUERIES]:
        response = raw_request(
            world.api,
            method,
            world.url(template) + "?" + query,
            body=b"{}",
            content_type="application/json",
        )
        _handled(operation, response, f"{method} {template}?{query[:60]}")


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

    def state():
        return (
            list(Contact.objects.order_by("pk").values()),
            list(ContactNote.objects.order_by("pk").values()),
            list(ContactTag.objects.order_by("pk").values()),
        )

    before = state()
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b'{"name": "X"}',
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403
    assert state() == before


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "organization",
                "email",
                "phone",
                "url",
                "how_met",
                "network_type",
                "cadence_days",
                "tag_ids",
                "archived",
            ]
        ),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-10, 10**20),
            st.text(max_size=60),
            st.lists(st.integers(-5, 10**20), max_size=3),
        ),
        max_size=6,
    )
)
def test_fuzzed_contact_bodies_never_fail(world, body):
    """Any JSON object sent to create or patch a contact is answered 2xx/4xx JSON."""
    for response in (
        world.api.post("/contacts", body),
        world.api.patch(world.url("/contacts/{contact_id}"), body),
    ):
        assert_handled(response, f"{body!r}")
        assert response.status_code in {200, 201, 400, 409, 422}, (body, response.content[:300])


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "kind": st.one_of(st.sampled_from(["note", "call", "coffee"]), st.text(max_size=8)),
            "occurred_on": st.one_of(st.dates().map(str), st.text(max_size=12)),
            "body": st.text(max_size=200),
        },
    )
)
def test_fuzzed_notes_never_fail(world, body):
    """Any note or interaction body is answered 201 or a 4xx JSON error."""
    for path in ("/contacts/{contact_id}/notes", "/contacts/{contact_id}/interactions"):
        response = world.api.post(world.url(path), body)
        assert_handled(response, f"{path} {body!r}")
        assert response.status_code in {201, 400, 422}, (body, response.content[:300])


@FUZZ
@given(data=st.binary(max_size=2000), kind=st.sampled_from(["linkedin", "vcard"]))
def test_fuzzed_uploads_never_fail(world, data, kind):
    """Any bytes uploaded as a LinkedIn or vCard file are a 201 preview or a 422 naming the file."""
    response = world.api.upload(
        f"/contacts/imports/{kind}", {"file": SimpleUploadedFile("f", data)}
    )
    assert_handled(response, f"{kind} {data[:40]!r}")
    assert response.status_code in {201, 422}, (data[:60], response.content[:300])
