"""The token endpoints of the JSON API and how requests authenticate (tokens, session, CSRF)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from rounds.accounts.models import ApiToken
from rounds.accounts.services import MAX_ACTIVE_TOKENS, api_token_create
from rounds.core.models import AuditEntry
from rounds.core.tests.api_client import ApiClient, api_as, assert_error, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set passwords; a cheap hasher keeps these tests fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _all_database_text() -> str:
    """Every value in every table of the test database, as one string."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_create_token_returns_the_secret_once(member):
    """POST /me/tokens answers 201 with the secret; listing never shows it again."""
    api = api_as(member.user)
    response = api.post("/me/tokens", {"name": "zotero sync"})
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("rnd_")
    assert body["name"] == "zotero sync"
    assert body["is_active"] is True
    assert body["secret"].startswith(body["prefix"])
    listing = api.get("/me/tokens")
    assert listing.status_code == 200
    assert body["secret"] not in listing.content.decode()
    names = [item["name"] for item in listing.json()["items"]]
    assert "zotero sync" in names
    assert all("secret" not in item for item in listing.json()["items"])


def test_token_secret_is_not_stored_anywhere_in_the_database(member):
    """Only a digest is stored: the secret appears in no column of any table."""
    response = api_as(member.user).post("/me/tokens", {"name": "cli"})
    secret = response.json()["secret"]
    assert ApiToken.objects.filter(name="cli").exists()
    assert secret not in _all_database_text()


def test_bearer_token_authenticates_and_records_last_use(member):
    """A token authenticates GET /me as its owner and stamps last_used_at."""
    token, secret = api_token_create(actor=member.user, name="cli")
    assert token.last_used_at is None
    response = ApiClient(token=secret).get("/me")
    assert response.status_code == 200
    assert response.json()["account"]["email"] == member.user.email
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_recorded_coarsely(member):
    """A token used again within five minutes is not rewritten; after that it is."""
    token, secret = api_token_create(actor=member.user, name="cli")
    api = ApiClient(token=secret)
    api.get("/me")
    token.refresh_from_db()
    first = token.last_used_at
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=10))
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=10)
    assert token.last_used_at <= timezone.now()


def test_revoked_token_is_refused_with_401(member):
    """DELETE /me/tokens/{id} revokes the token; using it afterwards is a JSON 401."""
    owner_api = api_as(member.user)
    created = owner_api.post("/me/tokens", {"name": "laptop"}).json()
    revoked = owner_api.delete(f"/me/tokens/{created['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    assert revoked.json()["revoked_at"] is not None
    assert_error(ApiClient(token=created["secret"]).get("/me"), 401)
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_revoking_twice_is_harmless(member):
    """Revoking an already revoked token answers 200 and keeps the first revocation time."""
    api = api_as(member.user)
    created = api.post("/me/tokens", {"name": "old"}).json()
    first = api.delete(f"/me/tokens/{created['id']}").json()["revoked_at"]
    again = api.delete(f"/me/tokens/{created['id']}")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == first


def test_revoked_token_is_refused_even_where_visitors_are_welcome(member):
    """A broken token is a 401 on a public endpoint too, never a silent visitor."""
    token, secret = api_token_create(actor=member.user, name="cli")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert_error(ApiClient(token=secret).get("/members"), 401)
    assert_error(ApiClient(token="rnd_not-a-real-token").get("/organizations"), 401)


def test_token_of_deactivated_member_is_refused(member):
    """Deactivating an account stops its tokens working."""
    secret = token_for(member.user)
    member.user.is_active = False
    member.user.save()
    assert_error(ApiClient(token=secret).get("/me"), 401)


def test_cannot_revoke_someone_elses_token(member, other_member):
    """Another member's token id is a 404 and the token keeps working."""
    token, secret = api_token_create(actor=other_member.user, name="theirs")
    assert_error(api_as(member.user).delete(f"/me/tokens/{token.pk}"), 404)
    assert ApiClient(token=secret).get("/me").status_code == 200


def test_token_list_shows_only_own_tokens(member, other_member):
    """GET /me/tokens lists the caller's tokens only, active ones first."""
    api_token_create(actor=other_member.user, name="theirs")
    api = api_as(member.user)
    old = api.post("/me/tokens", {"name": "old"}).json()
    api.delete(f"/me/tokens/{old['id']}")
    items = api.get("/me/tokens").json()["items"]
    assert [i["name"] for i in items] == ["tests", "old"]
    assert [i["is_active"] for i in items] == [True, False]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({}, "name"),
        ({"name": None}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": "ok", "scope": "admin"}, "scope"),
    ],
)
def test_token_name_is_validated(member, body, field):
    """A missing, blank, over-long or mistyped name (or an unknown field) is a 422 on that field."""
    assert_error(api_as(member.user).post("/me/tokens", body), 422, field)


def test_active_token_limit_is_enforced(member):
    """A member with the maximum number of active tokens gets a 422 asking to revoke one."""
    for n in range(MAX_ACTIVE_TOKENS - 1):
        api_token_create(actor=member.user, name=f"t{n}")
    data = assert_error(api_as(member.user).post("/me/tokens", {"name": "one more"}), 422, "name")
    assert "revoke" in data["detail"]


def test_token_endpoints_require_a_member():
    """Visitors get a JSON 401 from every token endpoint."""
    api = ApiClient()
    assert_error(api.get("/me/tokens"), 401)
    assert_error(api.post("/me/tokens", {"name": "x"}), 401)
    assert_error(api.delete("/me/tokens/1"), 401)


def test_session_auth_works_for_reads(member):
    """A signed-in browser session can call the API without a token."""
    client = Client()
    client.force_login(member.user)
    response = ApiClient(client).get("/me")
    assert response.status_code == 200
    assert response.json()["profile"]["handle"] == member.handle


def test_session_unsafe_request_without_csrf_token_is_403(member):
    """With session auth, a POST without the CSRF token is a JSON 403 and changes nothing."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    data = assert_error(ApiClient(client).post("/me/tokens", {"name": "csrf"}), 403)
    assert "CSRF" in data["detail"]
    assert not ApiToken.objects.filter(name="csrf").exists()


def test_session_unsafe_request_with_csrf_token_succeeds(member):
    """With the CSRF cookie and X-CSRFToken header, a session POST succeeds."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    docs = client.get("/api/v1/docs")  # any page rendering the token sets the cookie
    assert docs.status_code == 200
    csrf = client.cookies["csrftoken"].value
    response = ApiClient(client).post("/me/tokens", {"name": "csrf"}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201


def test_token_requests_need_no_csrf_token(member):
    """Bearer-token clients are not subject to CSRF checks."""
    api = ApiClient(Client(enforce_csrf_checks=True), token=token_for(member.user))
    assert api.post("/me/tokens", {"name": "from a script"}).status_code == 201


def test_non_bearer_authorization_header_is_ignored(member):
    """An Authorization header of another scheme does not authenticate (401 on member endpoints)."""
    response = ApiClient().get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error(response, 401)
