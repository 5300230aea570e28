"""Query counts of the API list endpoints do not grow with the number of results (no N+1)."""

from __future__ import annotations

import pytest
from django.test import Client

from rounds.core.fragments import fragments_forget
from rounds.core.tests.api_client import ApiClient, api_as
from rounds.profiles.models import Goal, Interest, Profile, Specialty
from rounds.profiles.tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    ProfileFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set passwords; a cheap hasher keeps building 30 members fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _rich_members(count: int, organization, *, visibility: str = "members") -> None:
    """``count`` members with specialties, goals, interests and current positions."""
    specialties = list(Specialty.objects.all()[:3])
    goals = list(Goal.objects.all()[:2])
    interests = list(Interest.objects.all()[:2])
    for n in range(count):
        profile = ProfileFactory(
            display_name=f"Search Target {n:03d}",
            visibility=visibility,
            open_to_mentoring=True,
            location_visibility="members",
            city="Springfield",
        )
        profile.specialties.set(specialties)
        profile.goals.set(goals)
        profile.interests.set(interests)
        AffiliationFactory(user=profile.user, organization=organization)
        AffiliationFactory(user=profile.user)  # a second current position elsewhere


def _count_queries(django_assert_max_num_queries, call) -> int:
    with django_assert_max_num_queries(50) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        # (id, updated_at) rows of the page; cards not cached yet: profiles with their users,
        # specialties, current affiliations (with organizations)
        ("anonymous", 4),
        ("token", 5),  # + the token lookup
        ("session", 5),  # + the session with its user (one query, rounds.accounts.sessions)
    ],
)
def test_member_search_query_count_is_constant(django_assert_max_num_queries, auth, expected):
    """GET /members costs the same, known number of queries for 3 and 30 results, cold; with
    the cards cached, only the page of rows (and authentication) remains."""
    org = OrganizationFactory(slug="big-hospital")
    viewer = ProfileFactory(display_name="Viewer", visibility="members")
    if auth == "token":
        api = api_as(viewer.user)
    elif auth == "session":
        client = Client()
        client.force_login(viewer.user)
        api = ApiClient(client)
    else:
        api = ApiClient()
    visibility = "public" if auth == "anonymous" else "members"
    counts = []
    for added, total in ((3, 3), (27, 30)):
        _rich_members(added, org, visibility=visibility)
        params = {"q": "search target", "page_size": 100, "open_to": "mentoring"}
        response = api.get("/members", params)
        assert len(response.json()["items"]) == total
        fragments_forget()
        counts.append(
            _count_queries(django_assert_max_num_queries, lambda: api.get("/members", params))
        )
        warm = _count_queries(django_assert_max_num_queries, lambda: api.get("/members", params))
        assert warm == expected - 3, warm
    assert counts == [expected, expected], counts


def test_member_search_with_every_filter_query_count_is_constant(
    member, django_assert_max_num_queries
):
    """All filters at once still cost a constant number of queries."""
    org = OrganizationFactory(slug="filtered-hospital")
    api = api_as(member.user)
    specialty = Specialty.objects.first()
    params = {
        "q": "search target",
        "specialty": specialty.slug,
        "organization": org.slug,
        "location": "spring",
        "role": "physician",
        "goal": Goal.objects.first().slug,
        "interest": Interest.objects.first().slug,
        "open_to": "mentoring",
        "page_size": 100,
    }
    counts = []
    for added in (3, 27):
        _rich_members(added, org)
        assert api.get("/members", params).json()["items"], "filters should match"
        counts.append(
            _count_queries(django_assert_max_num_queries, lambda: api.get("/members", params))
        )
    assert counts[0] == counts[1], counts


def test_organization_members_query_count_is_constant(member, django_assert_max_num_queries):
    """GET /organizations/{slug}/members costs the same for 3 and 30 members."""
    org = OrganizationFactory(slug="counted-hospital")
    api = api_as(member.user)
    counts = []
    for added, total in ((3, 3), (27, 30)):
        _rich_members(added, org)
        url = f"/organizations/{org.slug}/members"
        assert len(api.get(url, {"page_size": 100}).json()["items"]) == total
        counts.append(
            _count_queries(django_assert_max_num_queries, lambda: api.get(url, {"page_size": 100}))
        )
    # token, organization, page + specialties, goals, interests, current affiliations
    assert counts == [7, 7], counts


def test_organization_list_query_count_is_constant(django_assert_max_num_queries):
    """GET /organizations costs the same for 3 and 30 organizations."""
    api = ApiClient()
    counts = []
    for added in (3, 27):
        for _ in range(added):
            OrganizationFactory()
        counts.append(
            _count_queries(
                django_assert_max_num_queries, lambda: api.get("/organizations", {"page_size": 100})
            )
        )
    assert counts[0] == counts[1] == 1, counts


def test_token_list_query_count_is_constant(member, django_assert_max_num_queries):
    """GET /me/tokens costs the same for 3 and 15 tokens."""
    from rounds.accounts.services import api_token_create

    api = api_as(member.user)
    api.get("/me/tokens")  # first use stamps last_used_at
    counts = []
    for added in (2, 12):
        for n in range(added):
            api_token_create(actor=member.user, name=f"t{added}-{n}")
        counts.append(_count_queries(django_assert_max_num_queries, lambda: api.get("/me/tokens")))
    assert counts[0] == counts[1], counts


def test_member_detail_query_count_does_not_depend_on_profile_richness(
    member, django_assert_max_num_queries
):
    """GET /members/{handle} costs the same for a bare profile and one with many positions and tags."""
    bare = ProfileFactory(display_name="Bare")
    _rich_members(1, OrganizationFactory())
    rich = Profile.objects.get(display_name="Search Target 000")
    for n in range(10):
        AffiliationFactory(user=rich.user, title=f"Position {n}")
    api = api_as(member.user)
    api.get("/me")  # first use of the token stamps last_used_at
    counts = [
        _count_queries(django_assert_max_num_queries, lambda h=p.handle: api.get(f"/members/{h}"))
        for p in (bare, rich)
    ]
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts
