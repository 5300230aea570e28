"""Privacy rules: who sees a profile and each of its private fields."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from rounds.core.errors import NotFound
from rounds.profiles.access import access_profile_by_handle
from rounds.profiles.models import Visibility
from rounds.profiles.policies import can_see_field, can_view_profile
from rounds.profiles.selectors import MemberFilters, member_search
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()


def test_members_only_profile_is_hidden_from_visitors(member, other_member):
    """A members-only profile is visible to members, not to anonymous visitors (404)."""
    assert can_view_profile(other_member.user, member)
    assert not can_view_profile(ANON, member)
    with pytest.raises(NotFound):
        access_profile_by_handle(ANON, member.handle)


def test_public_profile_is_visible_to_visitors():
    """A public profile can be read without an account."""
    profile = ProfileFactory(visibility="public")
    assert access_profile_by_handle(ANON, profile.handle.upper()) == profile


def test_deactivated_members_disappear(member, other_member):
    """Deactivated accounts are not visible to others, even if public."""
    member.visibility = "public"
    member.save()
    member.user.is_active = False
    member.user.save()
    with pytest.raises(NotFound):
        access_profile_by_handle(other_member.user, member.handle)
    assert (
        not member_search(viewer=other_member.user, filters=MemberFilters())
        .filter(pk=member.pk)
        .exists()
    )


@pytest.mark.parametrize(
    ("level", "owner", "member_", "stranger_visitor"),
    [
        (Visibility.NOBODY, True, False, False),
        (Visibility.CONNECTIONS, True, False, False),
        (Visibility.MEMBERS, True, True, False),
        (Visibility.PUBLIC, True, True, True),
    ],
)
def test_field_visibility_levels(level, owner, member_, stranger_visitor):
    """Each visibility level reveals a field to exactly the intended audience."""
    profile = ProfileFactory(visibility="public")
    other = ProfileFactory()
    assert can_see_field(profile.user, profile, level) is owner
    assert can_see_field(other.user, profile, level) is member_
    assert can_see_field(ANON, profile, level) is stranger_visitor


def test_public_field_on_members_only_profile_stays_hidden_from_visitors():
    """A field marked public cannot leak through a members-only profile."""
    profile = ProfileFactory(visibility="members")
    assert not can_see_field(ANON, profile, Visibility.PUBLIC)


def test_location_search_cannot_reveal_hidden_locations(other_member):
    """Searching by location only matches members whose location the viewer may see."""
    hidden = ProfileFactory(city="Duluth", location_visibility="nobody")
    shown = ProfileFactory(city="Duluth", location_visibility="members")
    found = set(member_search(viewer=other_member.user, filters=MemberFilters(location="duluth")))
    assert shown in found and hidden not in found
    public = ProfileFactory(city="Duluth", location_visibility="public", visibility="public")
    assert set(member_search(viewer=ANON, filters=MemberFilters(location="Duluth"))) == {public}
