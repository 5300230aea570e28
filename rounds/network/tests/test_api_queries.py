"""Query counts of the network list endpoints do not grow with the number of results (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rounds.core.testing import clear_test_cache
from rounds.core.tests.api_client import ApiClient, api_as
from rounds.network.services import block, connection_request_send, connection_set_label, follow
from rounds.network.tests.factories import connect
from rounds.profiles.models import Goal, Interest, Specialty
from rounds.profiles.tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    ProfileFactory,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 25


def rich_member(organization=None, **profile_kwargs):
    """A member with everything a card shows: specialties, goals, interests, two positions."""
    profile = ProfileFactory(**profile_kwargs)
    profile.specialties.set(Specialty.objects.order_by("slug")[:2])
    profile.goals.set(Goal.objects.filter(curated=True)[:2])
    profile.interests.set(Interest.objects.filter(curated=True)[:2])
    AffiliationFactory(user=profile.user, organization=organization or OrganizationFactory())
    AffiliationFactory(user=profile.user)
    return profile


def count_queries(
    api: ApiClient, path: str, params: dict | None = None, *, expect: int, ceiling: int
) -> int:
    """Queries of one call, which must answer 200 with ``expect`` items in ``ceiling`` queries."""
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, params or {})
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == expect
    assert len(ctx.captured_queries) <= ceiling, [q["sql"] for q in ctx.captured_queries]
    return len(ctx.captured_queries)


def counts_at_two_sizes(
    api: ApiClient, path: str, grow, params: dict | None = None, *, ceiling: int
) -> list[int]:
    """Grow the data to SMALL then LARGE items (``grow(n)`` adds n) and count a call at each."""
    api.get("/network/connection-counts")  # the token's first use stamps last_used_at
    counts = []
    for added, total in ((SMALL, SMALL), (LARGE - SMALL, LARGE)):
        grow(added)
        params = {"page_size": 100, **(params or {})}
        counts.append(count_queries(api, path, params, expect=total, ceiling=ceiling))
    return counts


def test_connection_list_query_count_is_constant():
    """GET /network/connections costs the same for 3 and 25 labelled connections."""
    viewer = ProfileFactory()

    def grow(n):
        for _ in range(n):
            other = rich_member().user
            connect(viewer.user, other)
            connection_set_label(actor=viewer.user, other_id=other.pk, label="colleague")

    api = api_as(viewer.user)
    # the token, the page (contacts' profiles joined)
    counts = counts_at_two_sizes(api, "/network/connections", grow, ceiling=2)
    assert counts[0] == counts[1], counts
    # with every filter at once
    filtered = [
        count_queries(
            api,
            "/network/connections",
            {"type": "personal", "label": "colleague", "q": "", "page_size": n},
            expect=n,
            ceiling=2,
        )
        for n in (SMALL, LARGE)
    ]
    assert filtered[0] == filtered[1], filtered


def test_request_lists_query_count_is_constant():
    """GET /network/requests (both directions) costs the same for 3 and 25 requests."""
    viewer = ProfileFactory()
    api = api_as(viewer.user)

    def grow_incoming(n):
        for _ in range(n):
            connection_request_send(actor=rich_member().user, recipient=viewer.user, note="Hi")

    incoming = counts_at_two_sizes(api, "/network/requests", grow_incoming, ceiling=2)
    assert incoming[0] == incoming[1], incoming

    def grow_outgoing(n):
        for _ in range(n):
            connection_request_send(actor=viewer.user, recipient=rich_member().user)

    outgoing = counts_at_two_sizes(
        api, "/network/requests", grow_outgoing, {"direction": "outgoing"}, ceiling=2
    )
    assert outgoing[0] == outgoing[1], outgoing


@pytest.mark.parametrize("auth", ["token", "anonymous"])
def test_follower_lists_query_count_is_constant(auth):
    """GET /members/{handle}/followers and /following cost the same for 3 and 25 members."""
    star = ProfileFactory(visibility="public")
    viewer = ProfileFactory()
    api = api_as(viewer.user) if auth == "token" else ApiClient()

    def grow(n):
        for _ in range(n):
            fan = rich_member(visibility="public")
            follow(actor=fan.user, followee=star.user)
            follow(actor=star.user, followee=fan.user)

    api.get(f"/members/{star.handle}")  # stamps the token
    followers_url = f"/members/{star.handle}/followers"
    following_url = f"/members/{star.handle}/following"
    # (the token,) the member, (whether they block the viewer,) the page, specialties, goals,
    # interests, current affiliations
    ceiling = 8 if auth == "token" else 6
    followers, following = [], []
    for added, total in ((SMALL, SMALL), (LARGE - SMALL, LARGE)):
        grow(added)
        followers.append(
            count_queries(api, followers_url, {"page_size": 100}, expect=total, ceiling=ceiling)
        )
        following.append(
            count_queries(api, following_url, {"page_size": 100}, expect=total, ceiling=ceiling)
        )
    assert followers[0] == followers[1], followers
    assert following[0] == following[1], following


def test_block_list_query_count_is_constant():
    """GET /network/blocks costs the same for 3 and 25 blocked members."""
    viewer = ProfileFactory()

    def grow(n):
        for _ in range(n):
            block(actor=viewer.user, blocked=ProfileFactory().user)

    counts = counts_at_two_sizes(api_as(viewer.user), "/network/blocks", grow, ceiling=2)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("kind", ["people", "strategic"])
def test_recommendations_query_count_is_constant(kind):
    """GET /network/recommendations costs the same for 3 and 25 candidates, cached or not."""
    home = OrganizationFactory()
    viewer = rich_member(organization=home)
    friend = rich_member(organization=home)
    connect(viewer.user, friend.user)
    api = api_as(viewer.user)

    def grow(n):
        for _ in range(n):
            candidate = rich_member()  # elsewhere, sharing goals and interests
            connect(friend.user, candidate.user)

    api.get("/network/connection-counts")  # stamps the token
    uncached, cached = [], []
    for added, total in ((SMALL, SMALL), (LARGE - SMALL, LARGE)):
        grow(added)
        clear_test_cache()
        params = {"kind": kind, "limit": 30}
        url = "/network/recommendations"
        uncached.append(count_queries(api, url, params, expect=total, ceiling=40))
        # cached: the token, the network version, the profile stamp, the profiles and their
        # specialties, goals, interests and current affiliations
        cached.append(count_queries(api, url, params, expect=total, ceiling=8))
    assert uncached[0] == uncached[1], uncached
    assert cached[0] == cached[1], cached
    assert cached[1] <= uncached[1]
