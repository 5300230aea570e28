"""The session engine (``rounds.accounts.sessions``): keys that name the member, the session and
the account read in one query, and every way a session must stop working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.models import MemberSession
from rounds.accounts.sessions import SessionStore, member_id_in_key
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db


def _signed_in(profile) -> Client:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": profile.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:300]
    return client


def _key(client: Client) -> str:
    return client.cookies["sessionid"].value


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("a" * 32 + ".42", 42),
        ("a" * 32, None),
        (None, None),
        ("", None),
        ("a" * 31 + ".42", None),  # the random part is always 32 characters
        ("a" * 32 + ".0", None),
        ("a" * 32 + ".-4", None),
        ("a" * 32 + ".4x", None),
        ("a" * 32 + ".٤٢", None),  # non-ASCII digits
        ("a" * 32 + "." + "9" * 20, None),
        ("a" * 32 + "." + str(2**63), None),
        ("a" * 32 + "." + str(2**63 - 1), 2**63 - 1),
    ],
)
def test_the_member_id_in_a_key(key, expected):
    assert member_id_in_key(key) == expected


def test_signing_in_gives_a_new_key_that_names_the_member_and_the_row_says_who():
    member = ProfileFactory()
    client = Client()
    client.get(reverse("account_login"))  # an anonymous visit may start a session
    before = client.cookies.get("sessionid")
    client = _signed_in(member) if before is None else client
    if before is not None:
        client.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
    key = _key(client)
    assert member_id_in_key(key) == member.user_id
    assert before is None or before.value != key  # no session fixation
    row = MemberSession.objects.get(session_key=key)
    assert row.user_id == member.user_id
    assert MemberSession.objects.filter(user=member.user).count() == 1  # the old row went
    assert client.get(reverse("accounts:settings")).status_code == 200


def test_a_signed_in_page_reads_the_session_and_the_account_in_one_query():
    member = ProfileFactory()
    client = _signed_in(member)
    url = reverse("accounts:settings")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    session_reads = [q["sql"] for q in queries if MemberSession._meta.db_table in q["sql"]]
    assert len(session_reads) == 1
    assert connection.ops.quote_name(member.user._meta.db_table) in session_reads[0]


def test_a_key_naming_someone_else_finds_nothing():
    """Changing the member id in a cookie (or pasting another member's id) signs nobody in."""
    member, victim = ProfileFactory(), ProfileFactory()
    client = _signed_in(member)
    random_part = _key(client).rpartition(".")[0]
    forged = Client()
    forged.cookies["sessionid"] = f"{random_part}.{victim.user_id}"
    response = forged.get(reverse("accounts:settings"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert MemberSession.objects.get(session_key=_key(client)).user_id == member.user_id


@pytest.mark.parametrize(
    "cookie",
    ["", "x", "a" * 32 + ".", "a" * 32 + ".1' OR '1'='1", "%00" * 20, "a" * 5000, "ü" * 40],
)
def test_hostile_session_cookies_are_simply_anonymous(client, cookie):
    client.cookies["sessionid"] = cookie
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert client.get(reverse("profiles:directory")).status_code == 200


def test_expired_sessions_and_deactivated_accounts_sign_nobody_in():
    member = ProfileFactory()
    client = _signed_in(member)
    url = reverse("accounts:settings")
    MemberSession.objects.filter(session_key=_key(client)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(url).status_code == 302

    other = ProfileFactory()
    client = _signed_in(other)
    other.user.is_active = False
    other.user.save(update_fields=["is_active"])
    assert client.get(url).status_code == 302


def test_signing_out_deletes_the_row_and_the_old_cookie_stays_out():
    member = ProfileFactory()
    client = _signed_in(member)
    key = _key(client)
    client.post(reverse("account_logout"))
    assert not MemberSession.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get(reverse("accounts:settings")).status_code == 302


def test_a_password_change_elsewhere_ends_the_session():
    """Django's session hash still applies: the account's password changed, the session
    (read with the account) no longer verifies."""
    member = ProfileFactory()
    client = _signed_in(member)
    member.user.set_password("a-new-long-password-2026")
    member.user.save(update_fields=["password"])
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_deleting_the_account_deletes_its_sessions_and_ending_them_is_by_member():
    from rounds.accounts.data_rights.sessions import session_keys_for, sessions_end_for

    member, other = ProfileFactory(), ProfileFactory()
    first, second, theirs = _signed_in(member), _signed_in(member), _signed_in(other)
    keys = {_key(first), _key(second)}
    assert set(session_keys_for([member.user_id])) == keys
    assert sessions_end_for([member.user_id], keep=_key(first)) == 1
    assert set(session_keys_for([member.user_id])) == {_key(first)}
    member.user.delete()
    assert not MemberSession.objects.filter(session_key__in=keys).exists()
    assert theirs.get(reverse("accounts:settings")).status_code == 200


def test_the_account_read_with_a_session_is_only_used_for_that_member():
    """``user_by_id`` takes the account read with this request's session only for the member
    the session named; a new session store forgets it."""
    from rounds.accounts.backends import _SESSION_ACCOUNT, user_by_id

    member, other = ProfileFactory(), ProfileFactory()
    client = _signed_in(member)
    store = SessionStore(session_key=_key(client))
    assert store[SESSION_KEY] == str(member.user_id)
    assert _SESSION_ACCOUNT.get() is not None
    found = user_by_id(other.user_id)  # read on its own, the kept account stays
    assert found is not None and found.pk == other.user_id
    assert _SESSION_ACCOUNT.get() is not None
    SessionStore(session_key=None)
    assert _SESSION_ACCOUNT.get() is None


def test_a_session_signed_in_outside_a_request_works(client):
    """Sessions made directly in the store (as the benchmark and ``force_login`` do) get a key
    naming the member when saved."""
    member = ProfileFactory()
    store = SessionStore()
    store[SESSION_KEY] = str(member.user_id)
    store["_auth_user_backend"] = "rounds.accounts.backends.MemberModelBackend"
    store["_auth_user_hash"] = member.user.get_session_auth_hash()
    store.save()
    assert member_id_in_key(store.session_key) == member.user_id
    client.cookies["sessionid"] = store.session_key
    assert client.get(reverse("accounts:settings")).status_code == 200
