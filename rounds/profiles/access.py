"""Gatekeepers: the one path from a URL key to a user-visible object. Missing == forbidden == 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef

from rounds.core.errors import NotFound

from .models import Organization, Profile
from .policies import can_view_profile

MAX_KEY_LENGTH = 220


def access_profile_by_handle(viewer: Any, handle: str, *, for_update: bool = False) -> Profile:
    """The profile at ``handle`` if ``viewer`` may see it; raises NotFound otherwise."""
    if not handle or len(handle) > MAX_KEY_LENGTH or "\x00" in handle:
        raise NotFound("No member with that handle.")
    qs = Profile.objects.select_related("user")
    if for_update:
        qs = qs.select_for_update()
    member = viewer is not None and viewer.is_authenticated
    if member:
        # Whether the member blocked the viewer, in the same query (policies.is_blocked_by
        # reads it from the per-instance cache instead of asking again).
        from rounds.network.models import Block

        qs = qs.annotate(
            blocks_viewer=Exists(
                Block.objects.filter(blocker_id=OuterRef("user_id"), blocked_id=viewer.pk)
            )
        )
    profile = qs.filter(handle__iexact=handle).first()
    if profile is not None and member:
        blocks_viewer = bool(profile.__dict__["blocks_viewer"])
        profile.__dict__.setdefault("_blocked_viewer", {})[viewer.pk] = blocks_viewer
    if profile is None or not can_view_profile(viewer, profile):
        raise NotFound("No member with that handle.")
    return profile


def access_organization_by_slug(viewer: Any, slug: str) -> Organization:
    """Organizations are public records; raises NotFound for unknown slugs."""
    if not slug or len(slug) > MAX_KEY_LENGTH or "\x00" in slug:  # PostgreSQL rejects NUL
        raise NotFound("No organization with that address.")
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise NotFound("No organization with that address.")
    return org
