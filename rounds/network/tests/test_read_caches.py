"""The network's read caches: results computed once per network stamp and per-viewer HTML are
never stale after a change they depend on, never shared between members, and cost a constant,
small number of queries once warm. Also the faster computations behind them give the same
answers as the straightforward ones."""

from __future__ import annotations

import re

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.accounts.models import User
from rounds.core.fragments import CSRF_PLACEHOLDER
from rounds.network.models import Connection
from rounds.network.selectors import (
    _recent_ties,
    network_snapshot,
    people_you_may_know,
    strategic_recommendation_ids,
)
from rounds.network.services import connection_request_send
from rounds.network.tests.factories import connect
from rounds.profiles.models import Goal
from rounds.profiles.services import affiliation_add, profile_update
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def two_hop(viewer, count: int):
    """``viewer`` with one contact who knows ``count`` others: ``count`` suggestions."""
    friend = ProfileFactory()
    connect(viewer.user, friend.user)
    others = [ProfileFactory() for _ in range(count)]
    for other in others:
        connect(friend.user, other.user)
    return others


def ids(recs) -> list[int]:
    return [rec.user_id for rec in recs]


def test_a_request_sent_to_a_suggested_member_drops_them_at_once():
    """A pending request does not move the network version, yet the cached suggestion goes."""
    me = ProfileFactory()
    (x,) = two_hop(me, 1)
    assert ids(people_you_may_know(viewer=me.user)) == [x.user.pk]
    connection_request_send(actor=me.user, recipient=x.user)
    assert ids(people_you_may_know(viewer=me.user)) == []
    client = Client()
    client.force_login(me.user)
    assert x.display_name not in html(client.get(reverse("network:recommendations")))


@pytest.mark.parametrize("change", [{"is_active": False}, {"deletion_scheduled": True}])
def test_deactivated_or_leaving_members_leave_cached_suggestions(change):
    """A member deactivated (or deleting their account) since the suggestions were computed is
    not shown, in the selector, the page or the API."""
    me = ProfileFactory()
    (x,) = two_hop(me, 1)
    client = Client()
    client.force_login(me.user)
    assert x.display_name in html(client.get(reverse("network:recommendations")))
    User.objects.filter(pk=x.user.pk).update(**change)
    assert ids(people_you_may_know(viewer=me.user)) == []
    assert x.display_name not in html(client.get(reverse("network:recommendations")))
    assert x.display_name not in html(client.get(reverse("network:home")))


def test_a_suggested_members_profile_edit_shows_on_the_cached_page():
    """The suggestions page is cached under the shown members' card stamps."""
    me = ProfileFactory()
    (x,) = two_hop(me, 1)
    client = Client()
    client.force_login(me.user)
    assert "Transplant nephrology, Lyon" not in html(client.get(reverse("network:recommendations")))
    profile_update(actor=x.user, profile=x, changes={"headline": "Transplant nephrology, Lyon"})
    assert "Transplant nephrology, Lyon" in html(client.get(reverse("network:recommendations")))


@pytest.mark.parametrize("name", ["network:home", "network:recommendations"])
def test_cached_pages_carry_this_requests_csrf_token(name):
    """Forms in cached HTML get the request's own CSRF token, so they post with CSRF checks on."""
    me = ProfileFactory()
    (x,) = two_hop(me, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(me.user)
    client.get(reverse(name))  # the HTML is cached now
    page = html(client.get(reverse(name)))
    assert CSRF_PLACEHOLDER not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        reverse("network:recommendation_dismiss", args=[x.handle]),
        {"csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302


def test_cached_html_is_never_another_members():
    """Two members with the same suggestion each get their own cached page (their own reasons,
    their own forms), never the other's."""
    alice, bob = ProfileFactory(display_name="Alice Adams"), ProfileFactory()
    friend, x = ProfileFactory(), ProfileFactory()
    for member in (alice, bob):
        connect(member.user, friend.user)
    connect(friend.user, x.user)
    connect(alice.user, ProfileFactory(display_name="Zed Only-Alice").user)
    pages = {}
    for member in (alice, bob):
        client = Client()
        client.force_login(member.user)
        client.get(reverse("network:home"))
        pages[member.pk] = html(client.get(reverse("network:home")))
    assert x.display_name in pages[alice.pk] and x.display_name in pages[bob.pk]
    assert "2 connections ·" in pages[alice.pk] and "1 connections ·" in pages[bob.pk]


def test_my_network_changes_at_once_after_the_member_connects():
    """The cached My Network body follows the network version."""
    me = ProfileFactory()
    client = Client()
    client.force_login(me.user)
    assert "Start your three networks" in html(client.get(reverse("network:home")))
    connect(me.user, ProfileFactory().user)
    page = html(client.get(reverse("network:home")))
    assert "Start your three networks" not in page
    assert "1 connections ·" in page


@pytest.mark.parametrize(
    ("name", "ceiling"),
    [("network:home", 3), ("network:recommendations", 3), ("network:connections", 3)],
)
def test_warm_network_pages_cost_a_few_queries_at_any_size(name, ceiling):
    """Once warm, a network page costs the same few queries whether the member has 3 or 25
    connections and suggestions: the session; the account with the header (and, for the
    connections page, the counts per network: ``navigation_prefetch``); the stamps, or the
    list's rows."""
    me = ProfileFactory()
    client = Client()
    client.force_login(me.user)
    counts = []
    for added in (3, 22):
        two_hop(me, added)
        for _ in range(added):
            connect(me.user, ProfileFactory().user)
        client.get(reverse(name))  # warm
        with CaptureQueriesContext(db_connection) as warm:
            assert client.get(reverse(name)).status_code == 200
        counts.append(len(warm))
    assert counts[0] == counts[1], counts
    assert counts[1] <= ceiling, counts


def test_warm_suggestions_api_costs_two_queries():
    """The suggestions API, warm: the token and one query for the stamps and the candidates."""
    from ninja.testing import TestClient

    from rounds.accounts.services import api_token_create
    from rounds.network.api import router

    me = ProfileFactory()
    two_hop(me, 5)
    _, secret = api_token_create(actor=me.user, name="test")
    api = TestClient(router, headers={"Authorization": f"Bearer {secret}"})
    url = "/recommendations?kind=people"
    assert len(api.get(url).json()["items"]) == 5
    with CaptureQueriesContext(db_connection) as warm:
        assert len(api.get(url).json()["items"]) == 5
    assert len(warm) <= 3, [q["sql"][:80] for q in warm.captured_queries]


def test_snapshot_recomputes_after_a_profile_change():
    """A change of goals moves the profile stamp: strategic suggestions are computed again."""
    me, outsider = ProfileFactory(), ProfileFactory()
    goal = Goal.objects.filter(curated=True).first()
    profile_update(actor=outsider.user, profile=outsider, changes={"goals": [goal.name]})
    assert network_snapshot(viewer=me.user, kinds=["strategic"]).recommendations["strategic"] == []
    me.refresh_from_db()
    profile_update(actor=me.user, profile=me, changes={"goals": [goal.name]})
    recs = network_snapshot(viewer=me.user, kinds=["strategic"]).recommendations["strategic"]
    assert ids(recs) == [outsider.user.pk]


def test_strategic_shortlist_gives_the_same_list_as_counting_every_candidate():
    """Counting mutual connections only for the best candidates (in batches) returns exactly
    the top of the list computed with every candidate's mutuals."""
    me = ProfileFactory()
    goal = Goal.objects.filter(curated=True).first()
    home = OrganizationFactory()
    affiliation_add(actor=me.user, organization=home)
    profile_update(actor=me.user, profile=me, changes={"goals": [goal.name]})
    contacts = [ProfileFactory() for _ in range(4)]
    for contact in contacts:
        connect(me.user, contact.user)
    for number in range(14):
        candidate = ProfileFactory()
        profile_update(actor=candidate.user, profile=candidate, changes={"goals": [goal.name]})
        if number % 3:
            affiliation_add(actor=candidate.user, organization=OrganizationFactory())
        for contact in contacts[: number % 5]:
            connect(contact.user, candidate.user)  # 0–4 mutual connections
    full = strategic_recommendation_ids(me.user.pk, limit=1000)  # one batch: every candidate
    assert len(full) == 14
    for limit in (1, 2, 3, 5):
        short = strategic_recommendation_ids(me.user.pk, limit=limit)
        assert [(r.user_id, r.score, r.mutual) for r in short] == [
            (r.user_id, r.score, r.mutual) for r in full[:limit]
        ]


def test_recent_ties_are_each_contacts_most_recent():
    """The 2-hop expansion reads, for each contact, exactly their most recent ties."""
    hub, small = ProfileFactory(), ProfileFactory()
    for _ in range(6):
        connect(hub.user, ProfileFactory().user)
    connect(small.user, ProfileFactory().user)
    got = sorted(_recent_ties([hub.user.pk, small.user.pk], 4))
    expected = []
    for owner in (hub.user.pk, small.user.pk):
        newest = Connection.objects.filter(owner_id=owner).order_by("-created_at", "-id")[:4]
        expected += [(owner, c.other_id) for c in newest]
    assert got == sorted(expected)


def test_warm_suggestions_come_from_this_process_without_the_shared_cache(monkeypatch):
    """A warm snapshot is this process's own copy, checked against the network stamp: no
    shared-cache read. After a change of the member's network the copy is not used: the
    suggestions are those of the new network, in this process and in any other."""
    from django.core.cache import cache

    from rounds.network import selectors

    me = ProfileFactory()
    first, second = two_hop(me, 2)
    assert sorted(ids(people_you_may_know(viewer=me.user))) == sorted(
        [first.user.pk, second.user.pk]
    )
    reads = []

    class Spy:
        def __getattr__(self, name):
            return getattr(cache, name)

        def get_many(self, keys, *args):
            reads.append(keys)
            return cache.get_many(keys, *args)

    monkeypatch.setattr(selectors, "cache", Spy())
    assert len(ids(people_you_may_know(viewer=me.user))) == 2
    assert reads == []  # this process's copy, stamp checked by the one query
    connect(me.user, first.user)  # the network moves
    assert ids(people_you_may_know(viewer=me.user)) == [second.user.pk]
    assert reads  # the copy was stale: the shared cache was asked, then the list recomputed
    # Another process (no copies of its own) sees the same, from the shared cache.
    selectors._LOCAL_LISTS.clear()
    assert ids(people_you_may_know(viewer=me.user)) == [second.user.pk]


@pytest.mark.skipif(db_connection.vendor != "postgresql", reason="the stamps as arrays")
@pytest.mark.parametrize("name", ["network:home", "network:recommendations"])
def test_on_postgresql_a_warm_network_page_is_one_query_and_still_current(name):
    """Warm, My Network and the suggestions page read the session, the account, the header
    and the stamps of this process's kept lists in one statement (``navigation_prefetch``);
    what the stamps check (a request since, a member deactivated) still shows at once."""
    me = ProfileFactory()
    x, y = two_hop(me, 2)
    client = Client()
    client.force_login(me.user)
    url = reverse(name)
    assert x.display_name in html(client.get(url))
    with CaptureQueriesContext(db_connection) as warm:
        assert client.get(url).status_code == 200
    assert len(warm) == 1, [q["sql"][:80] for q in warm.captured_queries]
    connection_request_send(actor=me.user, recipient=x.user)
    User.objects.filter(pk=y.user.pk).update(is_active=False)
    page = html(client.get(url))
    assert x.display_name not in page and y.display_name not in page
