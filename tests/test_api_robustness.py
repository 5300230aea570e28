"""Hostile and malformed input never makes the API fail: every answer is < 500 and JSON.

A table of bad bodies, paths, query strings and headers is sent to every operation listed in
the OpenAPI schema (so a new endpoint is covered as soon as it exists), then hypothesis fuzzes
the search parameters, the profile patch body and the avatar upload.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.accounts.services import api_token_create
from rounds.core.tests.api_client import API, ApiClient
from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory, ProfileFactory

pytestmark = [
    pytest.mark.django_db,
    # Pillow warns about the corrupt files these tests feed it on purpose.
    pytest.mark.filterwarnings("ignore::UserWarning:PIL"),
]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EXPECTED_OPERATIONS = {
    ("GET", "/me"),
    ("PATCH", "/me/profile"),
    ("PUT", "/me/profile/npi"),
    ("POST", "/me/profile/avatar"),
    ("DELETE", "/me/profile/avatar"),
    ("GET", "/me/affiliations"),
    ("POST", "/me/affiliations"),
    ("PATCH", "/me/affiliations/{affiliation_id}"),
    ("DELETE", "/me/affiliations/{affiliation_id}"),
    ("GET", "/me/tokens"),
    ("POST", "/me/tokens"),
    ("DELETE", "/me/tokens/{token_id}"),
    ("GET", "/members"),
    ("GET", "/members/{handle}"),
    ("POST", "/members/{handle}/npi-verification"),
    ("GET", "/organizations"),
    ("POST", "/organizations"),
    ("GET", "/organizations/{slug}"),
    ("GET", "/organizations/{slug}/members"),
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def all_operations() -> set[tuple[str, str]]:
    """This table plus every app's own robustness tables: any ``rounds/<app>/tests/
    test_*robustness*.py`` defining ``<NAME>_OPERATIONS`` (imported late: they import this
    module). An app that adds API operations adds its module; nothing to register here."""
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    operations = set(EXPECTED_OPERATIONS)
    for path in sorted(root.glob("rounds/*/tests/test_*robustness*.py")):
        module_name = ".".join(path.relative_to(root).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if name.endswith("_OPERATIONS") and isinstance(value, set | frozenset):
                operations |= value
    return operations


def openapi_operations() -> set[tuple[str, str]]:
    from config.api import api

    schema = api.get_openapi_schema(path_prefix="")
    return {
        (method.upper(), "/" + path.lstrip("/"))
        for path, item in schema["paths"].items()
        for method in item
    }


@dataclass
class World:
    """A small community and a client authenticated as one of its members."""

    api: ApiClient
    user: Any
    values: dict[str, str] = field(default_factory=dict)

    def url(self, template: str, **overrides: str) -> str:
        values = {**self.values, **overrides}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture
def world(db) -> World:
    me = ProfileFactory(visibility="public")
    other = ProfileFactory(visibility="public", npi="1234567893")
    org = OrganizationFactory(slug="robust-hospital")
    affiliation = AffiliationFactory(user=me.user, organization=org)
    _, secret = api_token_create(actor=me.user, name="robustness")
    spare, _ = api_token_create(actor=me.user, name="spare")
    return World(
        api=ApiClient(token=secret),
        user=me.user,
        values={
            "handle": other.handle,
            "slug": org.slug,
            "affiliation_id": str(affiliation.pk),
            "token_id": str(spare.pk),
        },
    )


def assert_handled(response: Any, what: str) -> None:
    """< 500; errors are JSON with a message; successes are JSON (or empty 204)."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if response.status_code == 204:
        return
    assert response["Content-Type"].startswith("application/json"), (
        f"{what}: {response.status_code} {response['Content-Type']} {response.content[:200]!r}"
    )
    body = json.loads(response.content)
    if response.status_code >= 400:
        assert isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"], (
            f"{what}: {body!r}"
        )
        assert isinstance(body.get("errors"), dict), f"{what}: {body!r}"


# --- the tables ------------------------------------------------------------------------------

LONG = "x" * 100_000
NESTED = "[" * 5000 + "]" * 5000

HOSTILE_BODIES: list[tuple[str, bytes, str]] = [
    ("not json", b"{not json", "application/json"),
    ("truncated json", b'{"headline": "x', "application/json"),
    ("empty object", b"{}", "application/json"),
    ("array", b"[1, 2, 3]", "application/json"),
    ("array of objects", b'[{"name": "x"}]', "application/json"),
    ("string", b'"hello"', "application/json"),
    ("number", b"12345", "application/json"),
    ("null", b"null", "application/json"),
    ("true", b"true", "application/json"),
    ("non-utf8 bytes", b"\xff\xfe\xfa\x00\x81", "application/json"),
    ("utf-16 json", '{"name": "x"}'.encode("utf-16"), "application/json"),
    ("deeply nested", NESTED.encode(), "application/json"),
    (
        "huge number",
        b'{"name": 1e999999, "npi": 1e999999, "verified": 1e999999}',
        "application/json",
    ),
    (
        "huge int",
        ('{"name": ' + "9" * 5000 + ', "page": ' + "9" * 5000 + "}").encode(),
        "application/json",
    ),
    (
        "nulls everywhere",
        json.dumps(
            dict.fromkeys(
                [
                    "name",
                    "npi",
                    "verified",
                    "organization",
                    "headline",
                    "display_name",
                    "kind",
                    "is_current",
                    "specialties",
                    "goals",
                    "title",
                    "start_date",
                ]
            )
        ).encode(),
        "application/json",
    ),
    (
        "wrong types",
        json.dumps(
            {
                "name": {"$gt": ""},
                "npi": ["1234567893"],
                "verified": "perhaps",
                "organization": 7,
                "headline": ["x"],
                "display_name": {"a": 1},
                "kind": 3,
                "is_current": "sometimes",
                "specialties": "cardiology",
                "goals": {"a": "b"},
                "start_date": "yesterday",
                "languages": [1, 2],
                "open_to_mentoring": "yes please",
            }
        ).encode(),
        "application/json",
    ),
    (
        "over-long strings",
        json.dumps(
            {
                "name": LONG,
                "npi": LONG,
                "organization": LONG,
                "headline": LONG,
                "bio": LONG,
                "display_name": LONG,
                "title": LONG,
                "website": LONG,
                "handle": LONG,
                "goals": [LONG],
                "specialties": [LONG] * 50,
            }
        ).encode(),
        "application/json",
    ),
    (
        "nul and control characters",
        json.dumps(
            {
                "name": "a\x00b",
                "npi": "123456789\x00",
                "organization": "robust\x00hospital",
                "headline": "\x00",
                "display_name": "\x1b[31mred",
                "goals": ["\x00"],
                "title": "\u202eevil",
            }
        ).encode(),
        "application/json",
    ),
    (
        "lone surrogates",
        b'{"name": "\\ud800", "headline": "\\udfff", "organization": "\\ud83d"}',
        "application/json",
    ),
    (
        "unknown fields",
        json.dumps({"is_staff": True, "user_id": 1, "__proto__": {}}).encode(),
        "application/json",
    ),
    ("plain text", b"name=hello", "text/plain"),
    ("form encoded", b"name=hello&verified=true", "application/x-www-form-urlencoded"),
    (
        "broken multipart",
        b'--xx\r\nContent-Disposition: form-data; name="avatar"\r\n\r\n',
        "multipart/form-data; boundary=xx",
    ),
    ("multipart without boundary", b"garbage", "multipart/form-data"),
    ("xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "application/xml"),
]

HOSTILE_PATH_VALUES = [
    "%00",
    "a" * 5000,
    "..%2F..%2Fetc%2Fpasswd",
    "%FF%FE",
    "-1",
    "0",
    "99999999999999999999999999999",
    "1.5",
    "1e10",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "'%20OR%201%3D1%20--",
    quote("é漢字🩺"),
    "%20",
    "null",
]

HOSTILE_QUERIES = [
    "page=abc",
    "page=-1",
    "page=0",
    "page=1.5",
    "page=99999999999999999999999999",
    "page_size=1000000000",
    "page_size=-5",
    "page=1&page=2&page_size=3&page_size=4",
    "q=" + "x" * 10_000,
    "q=%00",
    "q=%FF%FE%FA",
    "q=%25%5F%5C",
    "role=wizard",
    "kind=castle",
    "open_to=bogus",
    "open_to=" + "&open_to=".join(["mentoring"] * 50),
    "location=" + "%E2%80%AE" * 500,
    "specialty[]=x&q[a]=b",
    "%ZZ=%ZZ",
    "=&&=&",
    "&".join(f"f{i}=1" for i in range(1000)),  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
]

HOSTILE_HEADERS = [
    {"Authorization": "Bearer "},
    {"Authorization": "Bearer " + "x" * 10_000},
    {"Authorization": "Bearer rnd_" + "é" * 10},
    {"Authorization": "Bearer rnd_\x00"},
    {"Authorization": "bearer"},
    {"Authorization": "Token abc"},
    {"Authorization": "Basic ::::"},
]


def operations() -> list[tuple[str, str]]:
    return sorted(EXPECTED_OPERATIONS)


def op_id(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


def raw_request(
    api: ApiClient,
    method: str,
    url: str,
    *,
    body: bytes = b"",
    content_type: str = "",
    **extra: Any,
) -> Any:
    headers = api.headers(extra.pop("headers", None))
    return api.client.generic(
        method,
        API + url,
        data=body,
        content_type=content_type or "application/octet-stream",
        headers=headers,
        **extra,
    )


# --- the schema ------------------------------------------------------------------------------


def test_openapi_schema_is_valid_json_listing_every_operation(client):
    """/api/v1/openapi.json is JSON, OpenAPI 3, and lists exactly the expected operations."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Rounds API"
    listed = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in schema["paths"].items()
        for method in item
    }
    assert listed == all_operations()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            codes = set(operation["responses"])
            assert codes & {"200", "201", "202", "204"}, f"{method} {path}"
            assert codes - {"200", "201", "202", "204"}, f"{method} {path} documents no error"
    assert "ErrorOut" in schema["components"]["schemas"]
    assert {"TokenAuth", "SessionMemberAuth"} <= set(schema["components"]["securitySchemes"])


def test_every_documented_error_uses_the_error_schema(client):
    """Every 4xx response in the schema is the ErrorOut shape (GuardErrorOut: ErrorOut plus the
    professionalism guard's findings, on the 422 of endpoints that publish text)."""
    schema = client.get("/api/v1/openapi.json").json()
    guard_error = schema["components"]["schemas"]["GuardErrorOut"]
    assert {"detail", "errors"} <= set(guard_error["properties"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    allowed = ("/ErrorOut", "/GuardErrorOut") if code == "422" else ("/ErrorOut",)
                    assert ref.endswith(allowed), f"{method} {path} {code}"


def test_docs_page_renders_without_external_resources(client):
    """/api/v1/docs renders Swagger UI from local static files: no CDN, no validator badge."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert urls, "expected script and style references"
    external = [u for u in urls if re.match(r"^(https?:)?//", u)]
    assert external == [], external
    settings_json = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    )
    swagger_settings = json.loads(settings_json.group(1))
    assert swagger_settings["validatorUrl"] is None
    assert swagger_settings["url"] == "/api/v1/openapi.json"
    assert not re.search(
        r"https?://(?!localhost|127\.0\.0\.1|testserver)", html.replace("http://www.w3.org", "")
    )


def test_docs_static_files_are_served_locally(client):
    """The scripts and styles the docs page references are found among the static files."""
    from django.contrib.staticfiles import finders

    html = client.get("/api/v1/docs").content.decode()
    for url in re.findall(r"""(?:src|href)\s*=\s*["']/static/([^"']+)["']""", html):
        assert finders.find(url), url


def test_schema_operations_match_the_expected_table():
    """The robustness table covers every operation in the schema (update both together)."""
    assert openapi_operations() == all_operations()


# --- the table -------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_bodies_are_answered_with_json_errors(world, operation):
    """Malformed, mistyped, over-long and non-UTF-8 bodies never cause a 5xx."""
    method, template = operation
    for name, body, content_type in HOSTILE_BODIES:
        response = raw_request(
            world.api, method, world.url(template), body=body, content_type=content_type
        )
        assert_handled(response, f"{method} {template} with {name}")


@pytest.mark.parametrize("operation", [op for op in operations() if "{" in op[1]], ids=op_id)
def test_hostile_path_parameters_are_answered_with_json_errors(world, operation):
    """NUL, huge, negative, traversal and non-UTF-8 path parameters are 4xx JSON."""
    method, template = operation
    name = re.search(r"\{(\w+)\}", template).group(1)
    for value in HOSTILE_PATH_VALUES:
        response = raw_request(
            world.api,
            method,
            world.url(template, **{name: value}),
            body=b"{}",
            content_type="application/json",
        )
        assert_handled(response, f"{method} {template} with {name}={value[:40]}")
        if response.status_code >= 400:
            assert response.status_code in {404, 405, 422}, (value, response.content[:200])


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_hostile_query_strings_are_answered_with_json(world, operation):
    """Bad numbers, over-long and non-UTF-8 query strings never cause a 5xx."""
    method, template = operation
    for query in HOSTILE_QUERIES:
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
def test_hostile_auth_headers_are_401_or_ignored(world, operation):
    """Broken Authorization headers are a JSON 401 (or ignored), never a 5xx."""
    method, template = operation
    anonymous = ApiClient()
    for headers in HOSTILE_HEADERS:
        response = raw_request(
            anonymous,
            method,
            world.url(template),
            body=b"{}",
            content_type="application/json",
            headers=headers,
        )
        assert_handled(response, f"{method} {template} with {headers}")
        assert response.status_code != 200 or method == "GET", response.content[:200]


@pytest.mark.parametrize("operation", operations(), ids=op_id)
def test_visitors_get_json_answers_everywhere(world, operation):
    """Without credentials every operation answers JSON: data for public reads, 401 otherwise."""
    method, template = operation
    response = raw_request(
        ApiClient(), method, world.url(template), body=b"{}", content_type="application/json"
    )
    assert_handled(response, f"anonymous {method} {template}")
    public_reads = {
        "/members",
        "/members/{handle}",
        "/organizations",
        "/organizations/{slug}",
        "/organizations/{slug}/members",
    }
    expected = 200 if method == "GET" and template in public_reads else 401
    assert response.status_code == expected, (method, template, response.content[:200])


@pytest.mark.parametrize("operation", [op for op in operations() if op[0] != "GET"], ids=op_id)
def test_session_unsafe_calls_without_csrf_are_403(world, operation):
    """A signed-in session calling an unsafe method without the CSRF token gets a JSON 403."""
    method, template = operation
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    response = raw_request(
        ApiClient(client),
        method,
        world.url(template),
        body=b"{}",
        content_type="application/json",
    )
    assert_handled(response, f"session {method} {template}")
    assert response.status_code == 403


def test_non_json_body_is_a_json_400(world):
    """ninja's body parser failing on text that is not JSON becomes a JSON 400, not a 500."""
    for body in (b"{not json", b"\xff\xfe", b"headline=x"):
        response = raw_request(
            world.api, "PATCH", "/me/profile", body=body, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json() == {"detail": "The request body is not valid JSON.", "errors": {}}


def test_json_that_is_not_an_object_is_a_json_422(world):
    """A JSON array, string or null where an object is expected is a 422 on __all__."""
    for body in (b"[]", b'"x"', b"null", b"3"):
        response = raw_request(
            world.api, "POST", "/me/tokens", body=body, content_type="application/json"
        )
        assert response.status_code == 422
        assert response.json()["errors"] == {"__all__": ["The request body must be a JSON object."]}


def test_missing_body_is_a_json_422(world):
    """A POST without a body where one is required is a 422 saying so."""
    response = raw_request(
        world.api, "POST", "/me/tokens", body=b"", content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "A JSON request body is required."


def test_bodies_on_get_requests_are_ignored(world):
    """A GET with a body (even a malformed one) is answered as if it had none."""
    for template in ("/me", "/members", "/organizations/{slug}"):
        for _, body, content_type in HOSTILE_BODIES[:12]:
            response = raw_request(
                world.api, "GET", world.url(template), body=body, content_type=content_type
            )
            assert_handled(response, f"GET {template} with a body")
            assert response.status_code == 200


def test_wrong_methods_are_json_405(world):
    """Unsupported methods on known paths are a JSON 405 with an Allow header."""
    for method, url in (
        ("PUT", "/members"),
        ("POST", "/me"),
        ("GET", "/me/profile"),
        ("PATCH", "/organizations"),
    ):
        response = raw_request(world.api, method, url, body=b"{}", content_type="application/json")
        assert_handled(response, f"{method} {url}")
        assert response.status_code == 405
        assert response["Allow"]


def test_unknown_api_paths_are_json_404(world):
    """A path under /api/ that matches nothing is a JSON 404."""
    for url in ("/nope", "/members/a/b/c", "/me/", "/../../etc/passwd"):
        assert_handled(world.api.get(url), url)


def test_declared_huge_body_is_413_before_reading(world):
    """A Content-Length over the limit is refused with JSON 413 whatever the endpoint."""
    response = raw_request(
        world.api,
        "PATCH",
        "/me/profile",
        body=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(10**12),
    )
    assert_handled(response, "huge Content-Length")
    assert response.status_code == 413


def test_json_body_over_the_form_memory_limit_is_413(world, settings):
    """A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE is a JSON 413, not a crash."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"bio": "x" * 5000}).encode()
    response = raw_request(
        world.api, "PATCH", "/me/profile", body=body, content_type="application/json"
    )
    assert_handled(response, "big JSON")
    assert response.status_code == 413


# --- fuzzing ---------------------------------------------------------------------------------

search_text = st.one_of(st.text(max_size=250), st.sampled_from(["", "%", "_", "\\", "'", '"']))
search_params = st.fixed_dictionaries(
    {},
    optional={
        "q": search_text,
        "specialty": search_text,
        "organization": search_text,
        "location": search_text,
        "role": st.one_of(st.sampled_from(["physician", "nurse", "other"]), st.text(max_size=30)),
        "goal": search_text,
        "interest": search_text,
        "open_to": st.lists(
            st.one_of(st.sampled_from(["mentoring", "speaking"]), st.text(max_size=20)), max_size=8
        ),
        "page": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
        "page_size": st.one_of(st.integers(-10, 10**12), st.text(max_size=12)),
    },
)


@FUZZ
@given(params=search_params)
def test_fuzzed_search_parameters_never_fail(world, params):
    """Any combination of search parameters is answered 200 or 422, always JSON."""
    for api in (world.api, ApiClient()):
        response = api.get("/members", params)
        assert_handled(response, f"GET /members {params!r}")
        assert response.status_code in {200, 422}, response.content[:300]


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=80),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
profile_fields = [
    "handle",
    "display_name",
    "headline",
    "bio",
    "role",
    "career_stage",
    "specialties",
    "goals",
    "interests",
    "languages",
    "city",
    "region",
    "country",
    "location_visibility",
    "phone",
    "phone_visibility",
    "email_visibility",
    "visibility",
    "open_to_mentoring",
    "unknown",
]


@FUZZ
@given(
    body=st.one_of(
        st.dictionaries(st.sampled_from(profile_fields), json_values, max_size=6),
        json_values,
    )
)
def test_fuzzed_profile_patches_never_fail(world, body):
    """Any JSON sent to PATCH /me/profile is applied or refused with a 4xx JSON error."""
    response = world.api.patch("/me/profile", body)
    assert_handled(response, f"PATCH /me/profile {body!r}")


MAGIC = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"GIF89a",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"%PDF-1.4",
    b"<svg",
    b"\x00\x00\x01\x00",
    b"8BPS",
    b"P6\n",
    b"icns",
    b"DDS ",
    b"FORM",
]


def _avatar(data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = "fuzz.png"
    return f


@FUZZ
@given(prefix=st.sampled_from(MAGIC), rest=st.binary(max_size=600))
def test_fuzzed_avatar_uploads_never_fail(world, prefix, rest):
    """Random bytes behind real image signatures are refused with a 422, never a 5xx."""
    response = world.api.upload("/me/profile/avatar", {"avatar": _avatar(prefix + rest)})
    assert_handled(response, f"avatar {(prefix + rest)[:40]!r}")


def _corrupted_images() -> Iterator[tuple[str, bytes]]:
    from PIL import Image

    for fmt in ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF", "ICO", "PPM"):
        out = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format=fmt)
        data = out.getvalue()
        yield f"{fmt} whole", data
        yield f"{fmt} truncated", data[: len(data) // 2]
        yield f"{fmt} header only", data[:32]
        flipped = bytearray(data)
        for i in range(16, len(flipped), 7):
            flipped[i] ^= 0xFF
        yield f"{fmt} corrupted", bytes(flipped)


def test_corrupted_images_are_refused_or_accepted_never_a_crash(world):
    """Truncated and bit-flipped images of every common format get 200 or 422."""
    for name, data in _corrupted_images():
        response = world.api.upload("/me/profile/avatar", {"avatar": _avatar(data)})
        assert_handled(response, name)
        assert response.status_code in {200, 422}, (name, response.content[:200])


def test_too_many_uploaded_files_is_a_json_400(world):
    """A multipart body with more files than Django allows is a JSON 400."""
    files = {f"file{i}": _avatar(b"x") for i in range(120)}
    response = world.api.upload("/me/profile/avatar", files)
    assert_handled(response, "too many files")
    assert response.status_code == 400


def test_too_many_form_fields_is_a_json_400(world):
    """A form body with more fields than Django allows is a JSON 400."""
    body = "&".join(f"f{i}=1" for i in range(1000)).encode()
    response = raw_request(
        world.api,
        "POST",
        "/me/profile/avatar",
        body=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert_handled(response, "too many fields")
    assert response.status_code == 400


def test_decompression_bomb_is_refused(world):
    """A small PNG declaring a gigantic canvas is refused with a 422."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )
    response = world.api.upload("/me/profile/avatar", {"avatar": _avatar(bomb)})
    assert_handled(response, "bomb")
    assert response.status_code == 422
