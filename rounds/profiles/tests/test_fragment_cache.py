"""Cached cards and profile details (rounds.core.fragments): a change shows at once, and
nothing private or blocked leaks through the cache."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.core.tests.api_client import ApiClient, api_as
from rounds.network.services import block, connection_create
from rounds.profiles.models import Goal, Specialty
from rounds.profiles.services import (
    affiliation_add,
    affiliation_remove,
    affiliation_update,
    profile_update,
)
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("profiles:directory")


def directory_html(client) -> str:
    response = client.get(DIRECTORY)
    assert response.status_code == 200
    return response.content.decode()


def test_directory_card_shows_profile_edits_at_once(member_client, other_member):
    """A headline and specialty change shows on the (cached) card on the next request."""
    assert "Internist and clinical educator" in directory_html(member_client)
    specialty = Specialty.objects.order_by("slug").first()
    profile_update(
        actor=other_member.user,
        profile=other_member,
        changes={"headline": "Pediatric cardiologist", "specialties": [specialty.slug]},
    )
    html = directory_html(member_client)
    assert "Pediatric cardiologist" in html
    assert specialty.name in html


def test_directory_card_shows_position_changes_at_once(member_client, other_member):
    """Adding, editing and removing a position changes the cached card immediately."""
    org = OrganizationFactory(name="Lakeside Clinic")
    directory_html(member_client)  # cache the cards
    affiliation = affiliation_add(actor=other_member.user, organization=org, title="Attending")
    assert "Attending," in directory_html(member_client)
    affiliation_update(
        actor=other_member.user, affiliation_id=affiliation.pk, changes={"title": "Chief"}
    )
    html = directory_html(member_client)
    assert "Chief," in html and "Attending," not in html
    affiliation_remove(actor=other_member.user, affiliation_id=affiliation.pk)
    assert "Lakeside Clinic" not in directory_html(member_client)


def test_api_cards_and_member_show_changes_at_once(member, other_member):
    """GET /members and /members/{handle} serve a changed profile on the next request."""
    api = api_as(member.user)
    handle = other_member.handle
    assert api.get("/members", {"q": handle}).json()["items"][0]["headline"] != "Changed"
    assert api.get(f"/members/{handle}").json()["goals"] == []
    goal = Goal.objects.filter(curated=True).first()
    profile_update(
        actor=other_member.user,
        profile=other_member,
        changes={"headline": "Changed", "goals": [goal.slug], "bio": "New *bio*"},
    )
    assert api.get("/members", {"q": handle}).json()["items"][0]["headline"] == "Changed"
    detail = api.get(f"/members/{handle}").json()
    assert [g["slug"] for g in detail["goals"]] == [goal.slug]
    assert "<em>bio</em>" in detail["bio_html"]
    org = OrganizationFactory()
    affiliation_add(actor=other_member.user, organization=org)
    detail = api.get(f"/members/{handle}").json()
    assert [a["organization"]["slug"] for a in detail["current_affiliations"]] == [org.slug]


def test_profile_page_shows_changes_at_once(member_client, other_member):
    """The cached part of a profile page (bio, positions, tags) follows every edit."""
    url = reverse("profiles:detail", args=[other_member.handle])
    member_client.get(url)
    profile_update(
        actor=other_member.user, profile=other_member, changes={"bio": "Hello **there**"}
    )
    org = OrganizationFactory(name="Harbor General")
    affiliation_add(actor=other_member.user, organization=org)
    html = member_client.get(url).content.decode()
    assert "<strong>there</strong>" in html
    assert "Harbor General" in html


def test_cached_profile_never_shares_a_connection_only_field(member, other_member, client):
    """A phone shared with connections is shown to a connection, then not to another member
    who reads the same (cached) profile, in the page and in the API."""
    owner = ProfileFactory(phone="+1 555 0100", phone_visibility="connections")
    connection_create(a_id=owner.user_id, b_id=member.user_id)
    url = reverse("profiles:detail", args=[owner.handle])
    client.force_login(member.user)
    assert "+1 555 0100" in client.get(url).content.decode()
    assert api_as(member.user).get(f"/members/{owner.handle}").json()["phone"] == "+1 555 0100"
    client.force_login(other_member.user)
    assert "+1 555 0100" not in client.get(url).content.decode()
    assert api_as(other_member.user).get(f"/members/{owner.handle}").json()["phone"] is None
    assert ApiClient().get(f"/members/{owner.handle}").status_code == 404  # members only


def test_cached_card_does_not_reach_a_blocked_viewer(member_client, member, other_member):
    """Once a member blocks the viewer, their cached card leaves the viewer's directory."""
    assert other_member.display_name in directory_html(member_client)
    block(actor=other_member.user, blocked=member.user)
    assert other_member.display_name not in directory_html(member_client)
    api = api_as(member.user)
    assert api.get(f"/members/{other_member.handle}").status_code == 404
