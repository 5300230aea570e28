"""Who may see what on a profile. Pure predicates over already-loaded objects."""

from __future__ import annotations

from typing import Any

from .models import Profile, ProfileVisibility, Visibility


def is_owner(viewer: Any, profile: Profile) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and viewer.pk == profile.user_id)


def are_connected(viewer: Any, profile: Profile) -> bool:
    """True when ``viewer`` and the profile's member are connected (one indexed lookup)."""
    if viewer is None or not viewer.is_authenticated:
        return False
    cache = profile.__dict__.setdefault("_connected_to", {})
    if viewer.pk not in cache:
        from rounds.network.models import Connection

        cache[viewer.pk] = Connection.objects.filter(
            owner_id=viewer.pk, other_id=profile.user_id
        ).exists()
    return bool(cache[viewer.pk])


def is_blocked_by(viewer: Any, profile: Profile) -> bool:
    """True when the profile's member blocked ``viewer``: then the profile does not exist for them."""
    if viewer is None or not viewer.is_authenticated:
        return False
    cache = profile.__dict__.setdefault("_blocked_viewer", {})
    if viewer.pk not in cache:
        from rounds.network.models import Block

        cache[viewer.pk] = Block.objects.filter(
            blocker_id=profile.user_id, blocked_id=viewer.pk
        ).exists()
    return bool(cache[viewer.pk])


def can_view_profile(viewer: Any, profile: Profile) -> bool:
    """Members see every active member's profile except those who blocked them; visitors see
    public profiles only."""
    if is_owner(viewer, profile):
        return True
    if not profile.user.is_active or profile.user.deletion_scheduled:
        return False  # deactivated, or deleting their account: absent for everyone else
    if viewer is not None and viewer.is_authenticated:
        return not is_blocked_by(viewer, profile)
    return profile.visibility == ProfileVisibility.PUBLIC


def can_see_field(viewer: Any, profile: Profile, level: str) -> bool:
    """Whether ``viewer`` may see a field that its owner shared at ``level``."""
    if is_owner(viewer, profile):
        return True
    if not can_view_profile(viewer, profile):
        return False
    if level == Visibility.PUBLIC:
        return True
    authenticated = viewer is not None and viewer.is_authenticated
    if level == Visibility.MEMBERS:
        return authenticated
    if level == Visibility.CONNECTIONS:
        return authenticated and are_connected(viewer, profile)
    return False


def can_edit_profile(viewer: Any, profile: Profile) -> bool:
    return is_owner(viewer, profile)


def can_verify_npi(viewer: Any) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_staff)


def visible_location_levels(viewer: Any) -> list[str]:
    """Location visibility levels whose values ``viewer`` may search by (owner aside)."""
    if viewer is not None and viewer.is_authenticated:
        return [Visibility.MEMBERS, Visibility.PUBLIC]
    return [Visibility.PUBLIC]
