"""Query counts of the list pages: constant in the number of rows shown (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.fragments import fragments_forget
from rounds.profiles.models import Goal, Interest, Specialty
from rounds.profiles.tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    ProfileFactory,
)

SMALL, LARGE = 3, 25
MAX_QUERIES = 12


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DIRECTORY_PAGE_SIZE = 20


def make_members(count: int, organization) -> None:
    """``count`` public members with everything a card shows: specialties, goals, a position."""
    specialties = list(Specialty.objects.order_by("slug")[:3])
    goal = Goal.objects.filter(curated=True).first()
    interest = Interest.objects.filter(curated=True).first()
    for _ in range(count):
        profile = ProfileFactory(visibility="public")
        profile.specialties.set(specialties)
        profile.goals.set([goal])
        profile.interests.set([interest])
        AffiliationFactory(user=profile.user, organization=organization)


def count_queries(client, url: str, *, cold: bool = True, **params) -> int:
    """Queries of one GET; ``cold`` forgets cached fragments first (cards and pages are cached per
    profile version, see rounds.core.fragments), so what is counted is the full cost."""
    if cold:
        fragments_forget()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.django_db
def test_directory_query_count_does_not_grow_with_rows(client, signed_in):
    """The directory runs the same number of queries for 3 members as for a full page."""
    org = OrganizationFactory()
    if signed_in:
        viewer = ProfileFactory()
        client.force_login(viewer.user)
    url = reverse("profiles:directory")
    make_members(SMALL, org)
    small = count_queries(client, url)
    make_members(LARGE - SMALL, org)
    large = count_queries(client, url)
    assert small == large
    assert large <= MAX_QUERIES


@pytest.mark.django_db
def test_filtered_directory_query_count_does_not_grow_with_rows(
    client, django_assert_max_num_queries
):
    """Filtering by organization (which also names it) stays constant too."""
    org = OrganizationFactory()
    url = reverse("profiles:directory")
    make_members(SMALL, org)
    small = count_queries(client, url, organization=org.slug, specialty="allergy-and-immunology")
    make_members(LARGE - SMALL, org)
    with django_assert_max_num_queries(small):
        client.get(url, {"organization": org.slug, "specialty": "allergy-and-immunology"})


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.django_db
def test_organization_page_query_count_does_not_grow_with_members(client, signed_in):
    """An organization page runs the same number of queries for 3 and 25 members."""
    org = OrganizationFactory()
    if signed_in:
        client.force_login(ProfileFactory().user)
    url = reverse("profiles:organization", args=[org.slug])
    make_members(SMALL, org)
    small = count_queries(client, url)
    make_members(LARGE - SMALL, org)
    large = count_queries(client, url)
    assert small == large
    assert large <= MAX_QUERIES


@pytest.mark.django_db
def test_organizations_list_query_count_does_not_grow_with_rows(client):
    """The organizations list runs the same number of queries for 3 and 25 organizations."""
    url = reverse("profiles:organizations")
    for _ in range(SMALL):
        OrganizationFactory()
    small = count_queries(client, url)
    for _ in range(LARGE - SMALL):
        OrganizationFactory()
    large = count_queries(client, url)
    assert small == large
    assert large <= MAX_QUERIES


@pytest.mark.django_db
def test_profile_page_query_count_does_not_grow_with_positions(client):
    """A profile page's queries do not grow with the member's positions and specialties."""
    profile = ProfileFactory(visibility="public")
    url = reverse("profiles:detail", args=[profile.handle])
    AffiliationFactory(user=profile.user)
    small = count_queries(client, url)
    for _ in range(6):
        AffiliationFactory(user=profile.user, is_current=False)
    profile.specialties.set(Specialty.objects.all()[:8])
    large = count_queries(client, url)
    assert small == large
    assert large <= MAX_QUERIES


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.django_db
def test_cached_pages_cost_known_query_counts(client, signed_in):
    """With cards and profile details cached, the directory and a profile page cost a known few
    queries (session, user and the viewer's profile with the badge count when signed in)."""
    org = OrganizationFactory()
    make_members(SMALL, org)
    profile = ProfileFactory(visibility="public")
    AffiliationFactory(user=profile.user)
    if signed_in:
        client.force_login(ProfileFactory().user)
    directory = reverse("profiles:directory")
    detail = reverse("profiles:detail", args=[profile.handle])
    count_queries(client, directory)
    count_queries(client, detail, cold=False)
    # the session with the account, the own profile and badge counts (accounts/sessions.py)
    signed = 1 if signed_in else 0
    # the page of (id, updated_at) rows; cards and the filter form come from the cache
    assert count_queries(client, directory, cold=False) == 1 + signed
    # a member: the session, account, navigation, profile with the block check and the
    # relationship in one query (``navigation_prefetch``); a visitor: the profile, and the
    # relationship panel (the follower counts)
    assert count_queries(client, detail, cold=False) == (1 if signed_in else 2)
