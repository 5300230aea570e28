"""Queries compiled once per process (core/compiled.py) and the per-request paths built on them:
the navigation's profile query, the session's user lookup, the API token lookup and the
cached site header."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rounds.accounts.backends import user_by_id
from rounds.accounts.models import User
from rounds.accounts.services import api_token_authenticate, api_token_create, api_token_revoke
from rounds.core.compiled import SENTINEL_ID, SENTINEL_TIME, CompiledQuery
from rounds.network.models import ConnectionRequest
from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def _profiles_since(*, user_id: int, now):
    return (
        Profile.objects.filter(user_id=user_id, created_at__lte=now)
        .order_by()
        .values_list("handle", "languages", "open_to_mentoring", "created_at")
    )


def test_a_compiled_query_runs_with_new_values_and_converts_like_the_orm():
    query = CompiledQuery(_profiles_since, sentinels={"user_id": SENTINEL_ID, "now": SENTINEL_TIME})
    first = ProfileFactory(languages=["en", "es"], open_to_mentoring=True)
    second = ProfileFactory(languages=[], open_to_mentoring=False)
    later = timezone.now() + timedelta(minutes=1)

    rows = query.rows(user_id=first.user_id, now=later)
    assert rows == list(_profiles_since(user_id=first.user_id, now=later))
    handle, languages, mentoring, created = rows[0]
    assert (handle, languages, mentoring) == (first.handle, ["en", "es"], True)
    assert created == first.created_at  # an aware datetime on every backend, as the ORM gives
    # The same compiled SQL, other values: nothing of the first call sticks.
    assert query.rows(user_id=second.user_id, now=later)[0][:3] == (second.handle, [], False)
    assert query.rows(user_id=first.user_id, now=first.created_at - timedelta(days=1)) == []
    assert query.rows(user_id=2**40, now=later) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_a_compiled_query_is_prepared_once_and_still_logged():
    """The compiled SQL runs as a server-side prepared statement (prepared on first use, then
    executed with new values without parsing or planning), through Django's cursor wrapper:
    query logging and execute wrappers still see every execution."""
    query = CompiledQuery(_profiles_since, sentinels={"user_id": SENTINEL_ID, "now": SENTINEL_TIME})
    profiles = [ProfileFactory(languages=["fr"]) for _ in range(3)]
    later = timezone.now() + timedelta(minutes=1)

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cursor.fetchone()[0])

    with CaptureQueriesContext(connection) as captured:
        before = prepared()
        counts = []
        for profile in profiles:
            assert query.rows(user_id=profile.user_id, now=later)[0][:2] == (profile.handle, ["fr"])
            counts.append(prepared())
    assert counts == [before + 1] * 3  # prepared on first use, reused for the other two
    assert len([q for q in captured.captured_queries if "pg_prepared" not in q["sql"]]) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_long_compiled_statements_are_converted_once_per_process():
    """psycopg converts ``%s`` to ``$n`` again for every statement over 4,096 characters; the
    compiled statements' cursor keeps that conversion (a psycopg upgrade that moves the
    internals it uses makes this fail, not the pages)."""
    from rounds.core.compiled import _server_binding_cursor_class, prepared_cursor

    cursor_class = _server_binding_cursor_class()
    if connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is None:
        pytest.skip("prepared statements are off (DB_PREPARED_STATEMENTS=0)")
    conversions = cursor_class.conversions
    sql = "SELECT %s::int + %s::int" + " " * 5000 + "-- long"
    before = conversions.cache_info()
    for n in range(3):
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, [n, 1])
            assert cursor.fetchall() == [(n + 1,)]
    after = conversions.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 2


def test_a_compiled_query_refuses_missing_values_and_sentinels_it_cannot_find():
    query = CompiledQuery(_profiles_since, sentinels={"user_id": SENTINEL_ID, "now": SENTINEL_TIME})
    with pytest.raises(TypeError):
        query.rows(user_id=1)
    blind = CompiledQuery(
        lambda *, user_id: Profile.objects.values_list("handle"), sentinels={"user_id": 7}
    )
    with pytest.raises(RuntimeError):
        blind.rows(user_id=1)


def test_the_navigation_counts_come_from_one_query(client):
    viewer = ProfileFactory()
    sender = ProfileFactory()
    ConnectionRequest.objects.create(
        sender=sender.user,
        recipient=viewer.user,
        expires_at=timezone.now() + timedelta(days=30),
    )
    ConnectionRequest.objects.create(  # expired: not counted
        sender=ProfileFactory().user,
        recipient=viewer.user,
        expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(viewer.user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/network/blocked/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "> connection request waiting<" in html
    assert viewer.display_name in html
    navigation = [q for q in queries if '"profiles_profile"' in q["sql"] and "read_at" in q["sql"]]
    # the account, its profile and all three badges in one query (rounds.core.navigation)
    assert len(navigation) == 1
    assert 'FROM "accounts_user"' in navigation[0]["sql"]


def test_the_session_user_lookup_honours_inactive_accounts(client):
    profile = ProfileFactory()
    assert user_by_id(profile.user_id) == profile.user
    assert user_by_id("not a number") is None
    assert user_by_id(2**70) is None
    client.force_login(profile.user)
    assert client.get("/network/blocked/").status_code == 200
    User.objects.filter(pk=profile.user_id).update(is_active=False)
    assert client.get("/network/blocked/").status_code == 302  # signed out


def test_token_lookup_refuses_revoked_and_inactive():
    profile = ProfileFactory()
    token, secret = api_token_create(actor=profile.user, name="ci")
    user = api_token_authenticate(secret)
    assert user == profile.user and user.email == profile.user.email
    assert api_token_authenticate(secret + "x") is None
    api_token_revoke(actor=profile.user, token_id=token.pk)
    assert api_token_authenticate(secret) is None
    _, other = api_token_create(actor=profile.user, name="ci2")
    User.objects.filter(pk=profile.user_id).update(is_active=False)
    assert api_token_authenticate(other) is None


def test_the_cached_site_header_follows_the_member_the_counts_and_the_page(client):
    viewer = ProfileFactory(display_name="Dr Ada First")
    other = ProfileFactory(display_name="Dr Bea Second")
    client.force_login(viewer.user)
    blocked = client.get("/network/blocked/").content.decode()
    assert "Dr Ada First" in blocked
    assert 'href="/network/" aria-current="page"' in blocked
    feed = client.get("/notifications/").content.decode()
    assert 'href="/network/" aria-current="page"' not in feed
    # A new count is a new header, never the cached one.
    ConnectionRequest.objects.create(
        sender=other.user, recipient=viewer.user, expires_at=timezone.now() + timedelta(days=3)
    )
    assert "> connection request waiting<" in client.get("/network/blocked/").content.decode()
    # A renamed member sees the new name at once (the profile stamp is in the key).
    Profile.objects.filter(pk=viewer.pk).update(
        display_name="Dr Ada Renamed", updated_at=timezone.now() + timedelta(seconds=1)
    )
    assert "Dr Ada Renamed" in client.get("/network/blocked/").content.decode()
    # Another member never gets this member's header, and each page has its own CSRF token.
    client.force_login(other.user)
    html = client.get("/network/blocked/").content.decode()
    assert "Dr Bea Second" in html and "Dr Ada" not in html
    assert "csrf-token-placeholder" not in html
    assert 'name="csrfmiddlewaretoken" value="' in html


def test_the_compiled_profile_lookup_matches_the_orm_and_its_rules():
    from rounds.core.errors import NotFound
    from rounds.network.models import Block
    from rounds.profiles.access import access_profile_by_handle

    viewer = ProfileFactory().user
    target = ProfileFactory(handle="ada-okafor", headline="Cardiologist", languages=["en", "yo"])
    orm = Profile.objects.select_related("user").get(pk=target.pk)

    with CaptureQueriesContext(connection) as queries:
        found = access_profile_by_handle(viewer, "ADA-Okafor")  # handles match in any case
        assert found.user.email == target.user.email  # the account came in the same query
        assert found.user.profile is found
    assert len(queries) == 1
    for field in Profile._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    for field in User._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(orm.user, field.attname), field.name
    # Values of one call never leak into the next.
    other = ProfileFactory(handle="bo-lind")
    assert access_profile_by_handle(viewer, "bo-lind").pk == other.pk

    Block.objects.create(blocker=target.user, blocked=viewer)
    with pytest.raises(NotFound):
        access_profile_by_handle(viewer, "ada-okafor")
    assert access_profile_by_handle(other.user, "ada-okafor").pk == target.pk
    User.objects.filter(pk=other.user_id).update(is_active=False)
    with pytest.raises(NotFound):
        access_profile_by_handle(viewer, "bo-lind")
    with pytest.raises(NotFound):
        access_profile_by_handle(viewer, "nobody-here")


def _handles_of(*, org_id: int):
    return (
        Profile.objects.filter(user__affiliations__organization_id=org_id)
        .order_by("handle")
        .values_list("handle", "languages")
    )


def test_two_compiled_queries_read_together_give_what_each_gives_alone():
    """``rows_together``: the account's row beside each row of the second query, converted by
    each query's own converters; the second query's rows when it has none; unknown (None)
    when the first has no row."""
    from rounds.core.compiled import rows_together
    from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory

    users = CompiledQuery(_profiles_since, sentinels={"user_id": SENTINEL_ID, "now": SENTINEL_TIME})
    members = CompiledQuery(_handles_of, sentinels={"org_id": SENTINEL_ID})
    me = ProfileFactory(languages=["de"])
    org = OrganizationFactory()
    for language in ("en", "fr"):
        AffiliationFactory(user=ProfileFactory(languages=[language]).user, organization=org)
    later = timezone.now() + timedelta(minutes=1)
    first = (users, {"user_id": me.user_id, "now": later})

    mine, theirs = rows_together(first, (members, {"org_id": org.pk}))
    assert mine == users.rows(user_id=me.user_id, now=later)
    assert theirs == members.rows(org_id=org.pk) and len(theirs) == 2
    assert rows_together(first, (members, {"org_id": 2**40})) == (mine, [])
    assert rows_together(
        (users, {"user_id": 2**40, "now": later}), (members, {"org_id": org.pk})
    ) == (
        [],
        None,
    )


def test_three_queries_read_together_give_what_each_gives_alone():
    """``rows_joined`` with a one-row query in the middle and a many-row last query (on
    PostgreSQL the last query's rows come apart, ``_rows_apart``): each query's rows as it
    gives them alone, the last one's in its own order; all unknown when the first has no
    row; an empty middle or last is an empty list."""
    from rounds.core.compiled import rows_joined
    from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory

    users = CompiledQuery(_profiles_since, sentinels={"user_id": SENTINEL_ID, "now": SENTINEL_TIME})
    members = CompiledQuery(_handles_of, sentinels={"org_id": SENTINEL_ID})
    me, other = ProfileFactory(languages=["de"]), ProfileFactory(languages=["it"])
    org = OrganizationFactory()
    for language in ("en", "fr", "es"):
        AffiliationFactory(user=ProfileFactory(languages=[language]).user, organization=org)
    later = timezone.now() + timedelta(minutes=1)
    first = (users, {"user_id": me.user_id, "now": later})
    middle = (users, {"user_id": other.user_id, "now": later})

    mine, (theirs, handles) = rows_joined([first, middle, (members, {"org_id": org.pk})])
    assert mine == users.rows(user_id=me.user_id, now=later)
    assert theirs == users.rows(user_id=other.user_id, now=later)
    assert handles == members.rows(org_id=org.pk) and len(handles) == 3
    nobody = (users, {"user_id": 2**40, "now": later})
    assert rows_joined([first, nobody, (members, {"org_id": 2**40})]) == (mine, [[], []])
    assert rows_joined([nobody, middle, (members, {"org_id": org.pk})]) == ([], [None, None])


def test_compiled_queries_read_timestamps_exactly_as_the_orm():
    """The compiled statements' cursor reads timestamptz with psycopg's C loader on
    PostgreSQL: the same aware datetimes (UTC, ``datetime.timezone.utc``) as the ORM's."""
    from datetime import UTC

    query = CompiledQuery(
        lambda *, user_id: Profile.objects.filter(user_id=user_id).values_list(
            "created_at", "updated_at"
        ),
        sentinels={"user_id": SENTINEL_ID},
    )
    profile = ProfileFactory()
    expected = Profile.objects.filter(pk=profile.pk).values_list("created_at", "updated_at")[0]
    for _ in range(2):
        (row,) = query.rows(user_id=profile.user_id)
        assert row == expected
        assert all(value.tzinfo is UTC for value in row)
