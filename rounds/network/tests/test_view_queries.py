"""Query counts of the network pages: constant in the number of rows shown (no N+1), measured
at two sizes (3 and 25 rows, the larger one filling a page)."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.testing import clear_test_cache
from rounds.network.services import (
    block,
    connection_request_send,
    connection_set_label,
    follow,
)
from rounds.network.tests.factories import connect
from rounds.profiles.models import Goal, Interest, Specialty
from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 25
PAGE_SIZE = 20
#: Generous ceilings: the point is that counts do not grow, but pages should stay cheap. Cold
#: requests compute health and suggestions (then cached per network version); warm ones reuse them.
MAX_COLD_QUERIES = 80
MAX_WARM_QUERIES = 25


@pytest.fixture(autouse=True)
def _page_size(settings):
    settings.NETWORK_PAGE_SIZE = PAGE_SIZE


@pytest.fixture
def viewer(db):
    profile = ProfileFactory(handle="viewer")
    AffiliationFactory(user=profile.user)
    return profile


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer.user)
    return client


def rich_member():
    """A member with everything a card shows: specialties, goals, interests, a position."""
    profile = ProfileFactory()
    profile.specialties.set(Specialty.objects.order_by("slug")[:3])
    profile.goals.set(Goal.objects.filter(curated=True)[:1])
    profile.interests.set(Interest.objects.filter(curated=True)[:1])
    AffiliationFactory(user=profile.user)
    return profile


def count_queries(client, url: str, **params) -> int:
    """Queries for one cold request (caches cleared, so cached selectors compute again)."""
    clear_test_cache()
    with CaptureQueriesContext(db_connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def assert_constant(client, django_assert_num_queries, url: str, grow, **params) -> None:
    """Measure at SMALL rows, grow to LARGE, and assert the same number of queries (cold), and
    a modest number once the cached parts are warm."""
    grow(SMALL)
    small = count_queries(client, url, **params)
    grow(LARGE - SMALL)
    clear_test_cache()
    with django_assert_num_queries(small):
        assert client.get(url, params).status_code == 200
    assert small <= MAX_COLD_QUERIES
    with CaptureQueriesContext(db_connection) as warm:
        assert client.get(url, params).status_code == 200
    assert len(warm) <= MAX_WARM_QUERIES


def test_connections_list_queries_do_not_grow(viewer_client, viewer, django_assert_num_queries):
    """The connections list runs as many queries for 3 connections as for a full page."""

    def grow(count: int) -> None:
        for _ in range(count):
            other = rich_member()
            connect(viewer.user, other.user)
            connection_set_label(actor=viewer.user, other_id=other.user.pk, label="colleague")

    assert_constant(viewer_client, django_assert_num_queries, reverse("network:connections"), grow)


def test_filtered_connections_list_queries_do_not_grow(
    viewer_client, viewer, django_assert_num_queries
):
    """Filtering by label and name keeps the count constant too."""

    def grow(count: int) -> None:
        for _ in range(count):
            other = rich_member()
            connect(viewer.user, other.user)
            connection_set_label(actor=viewer.user, other_id=other.user.pk, label="mentor")

    assert_constant(
        viewer_client,
        django_assert_num_queries,
        reverse("network:connections"),
        grow,
        label="mentor",
        q="e",
    )


def test_requests_page_queries_do_not_grow(viewer_client, viewer, django_assert_num_queries):
    """The requests page (incoming and sent) does not grow with the number of requests."""

    def grow(count: int) -> None:
        for _ in range(count):
            connection_request_send(actor=rich_member().user, recipient=viewer.user, note="Hi")
            connection_request_send(actor=viewer.user, recipient=rich_member().user)

    assert_constant(viewer_client, django_assert_num_queries, reverse("network:requests"), grow)


def test_followers_list_queries_do_not_grow(viewer_client, django_assert_num_queries):
    """A followers list runs as many queries for 3 followers as for a full page."""
    star = ProfileFactory(handle="star")

    def grow(count: int) -> None:
        for _ in range(count):
            follow(actor=rich_member().user, followee=star.user)

    assert_constant(
        viewer_client, django_assert_num_queries, reverse("network:followers", args=["star"]), grow
    )


def test_following_list_queries_do_not_grow(viewer_client, django_assert_num_queries):
    """A following list runs as many queries for 3 as for a full page."""
    fan = ProfileFactory(handle="fan")

    def grow(count: int) -> None:
        for _ in range(count):
            follow(actor=fan.user, followee=rich_member().user)

    assert_constant(
        viewer_client, django_assert_num_queries, reverse("network:following", args=["fan"]), grow
    )


def test_recommendations_page_queries_do_not_grow(viewer_client, viewer, django_assert_num_queries):
    """Suggestions (people you may know and strategic) do not grow with the candidates."""
    goal = Goal.objects.filter(curated=True).first()
    viewer.goals.add(goal)
    viewer.save()
    friend = ProfileFactory()
    connect(viewer.user, friend.user)

    def grow(count: int) -> None:
        for _ in range(count):
            candidate = rich_member()
            connect(friend.user, candidate.user)  # a 2-hop candidate
            outsider = rich_member()
            outsider.goals.add(goal)  # a strategic candidate, at another organization

    assert_constant(
        viewer_client, django_assert_num_queries, reverse("network:recommendations"), grow
    )


def test_my_network_queries_do_not_grow(viewer_client, viewer, django_assert_num_queries):
    """My Network (counts, health, previews) runs the same queries for 3 and 25 connections."""
    org = OrganizationFactory()

    def grow(count: int) -> None:
        for _ in range(count):
            other = rich_member()
            AffiliationFactory(user=other.user, organization=org)
            connect(viewer.user, other.user)

    assert_constant(viewer_client, django_assert_num_queries, reverse("network:home"), grow)


def test_blocked_list_queries_do_not_grow(viewer_client, viewer, django_assert_num_queries):
    """The blocked list runs as many queries for 3 blocks as for a full page."""

    def grow(count: int) -> None:
        for _ in range(count):
            block(actor=viewer.user, blocked=rich_member().user)

    assert_constant(viewer_client, django_assert_num_queries, reverse("network:blocked"), grow)


def test_home_queries_do_not_grow_with_requests_and_connections(
    viewer_client, viewer, django_assert_num_queries
):
    """Home (requests preview, network summary, suggestions) stays constant."""

    def grow(count: int) -> None:
        for _ in range(count):
            connection_request_send(actor=rich_member().user, recipient=viewer.user)
            connect(viewer.user, rich_member().user)

    assert_constant(viewer_client, django_assert_num_queries, "/", grow)


def test_profile_page_with_relationship_panel_is_constant(
    viewer_client, viewer, django_assert_num_queries
):
    """The relationship panel adds a constant number of queries to a profile page."""
    other = ProfileFactory(handle="other")

    def grow(count: int) -> None:
        for _ in range(count):
            follow(actor=rich_member().user, followee=other.user)
            connect(other.user, rich_member().user)

    assert_constant(
        viewer_client, django_assert_num_queries, reverse("profiles:detail", args=["other"]), grow
    )
