"""Gatekeepers: the one path from a URL key to a user-visible object. Missing == forbidden == 404."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import router
from django.db.models import Exists, OuterRef

from rounds.core.compiled import SENTINEL_ID, SENTINEL_TEXT, SENTINEL_TIME, CompiledQuery
from rounds.core.errors import NotFound
from rounds.core.navigation import prefetched_rows

from .models import Organization, Profile
from .policies import can_view_profile

MAX_KEY_LENGTH = 220


@lru_cache(maxsize=1)
def _columns() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from rounds.accounts.models import User

    profile = tuple(f.attname for f in Profile._meta.concrete_fields)
    user = tuple(f.attname for f in User._meta.concrete_fields)
    return profile, user


def _blocks(viewer_id: Any) -> Exists:
    from rounds.network.models import Block

    return Exists(Block.objects.filter(blocker_id=OuterRef("user_id"), blocked_id=viewer_id))


def _profile_for_member(*, handle: str, viewer_id: int) -> Any:
    """The profile at ``handle`` with its account and whether its member blocked the viewer."""
    profile_columns, user_columns = _columns()
    return (
        Profile.objects.filter(handle__iexact=handle)
        .annotate(blocks_viewer=_blocks(viewer_id))
        .order_by("pk")
        .values_list(
            *profile_columns, *(f"user__{name}" for name in user_columns), "blocks_viewer"
        )[:1]
    )


#: Every profile page and member API call starts here: compiled once per process
#: (``core/compiled.py``), it saves ~1 ms of queryset building per request.
PROFILE_FOR_MEMBER = CompiledQuery(
    _profile_for_member, sentinels={"handle": SENTINEL_TEXT, "viewer_id": SENTINEL_ID}
)


def _member_profile(handle: str, viewer_id: int) -> Profile | None:
    from rounds.accounts.models import User

    using = router.db_for_read(Profile)
    rows = PROFILE_FOR_MEMBER.rows(handle=handle, viewer_id=viewer_id, using=using)
    if not rows:
        return None
    profile_columns, user_columns = _columns()
    row = rows[0]
    split = len(profile_columns)
    profile = Profile.from_db(using, list(profile_columns), row[:split])
    user = User.from_db(using, list(user_columns), row[split : split + len(user_columns)])
    # What select_related("user") leaves behind: both sides of the one-to-one cached.
    profile._state.fields_cache["user"] = user
    user._state.fields_cache["profile"] = profile
    profile.__dict__["blocks_viewer"] = bool(row[-1])
    return profile


def _profile_page_row(*, handle: str, viewer_id: int, now: Any) -> Any:
    """``_profile_for_member`` with the viewer's relationship to the member on the same row."""
    from rounds.network.selectors import RELATIONSHIP_COLUMNS, relationship_annotations

    profile_columns, user_columns = _columns()
    return (
        Profile.objects.filter(handle__iexact=handle)
        .annotate(blocks_viewer=_blocks(viewer_id))
        .annotate(**relationship_annotations(viewer_id=viewer_id, now=now))
        .order_by("pk")
        .values_list(
            *profile_columns,
            *(f"user__{name}" for name in user_columns),
            "blocks_viewer",
            *RELATIONSHIP_COLUMNS,
        )[:1]
    )


#: The profile page's one read of the profile, its account and the viewer's relationship.
PROFILE_PAGE = CompiledQuery(
    _profile_page_row,
    sentinels={"handle": SENTINEL_TEXT, "viewer_id": SENTINEL_ID, "now": SENTINEL_TIME},
)


def access_profile_page(viewer: Any, handle: str) -> tuple[Profile, dict[str, Any] | None]:
    """``access_profile_by_handle`` for the profile page: the profile, and for a signed-in
    viewer the relationship row read in the same query (``relationship_between(row=...)``)."""
    from django.utils import timezone

    from rounds.accounts.models import User
    from rounds.network.selectors import RELATIONSHIP_COLUMNS

    member = viewer is not None and viewer.is_authenticated
    if not member or not handle or len(handle) > MAX_KEY_LENGTH or "\x00" in handle:
        return access_profile_by_handle(viewer, handle), None
    using = router.db_for_read(Profile)
    rows = prefetched_rows(PROFILE_PAGE, handle=handle, viewer_id=viewer.pk, now=None)
    if rows is None:  # not read with the account (``profile_page_prefetch``)
        rows = PROFILE_PAGE.rows(
            handle=handle, viewer_id=viewer.pk, now=timezone.now(), using=using
        )
    if not rows:
        raise NotFound("No member with that handle.")
    profile_columns, user_columns = _columns()
    row = rows[0]
    split = len(profile_columns)
    users_end = split + len(user_columns)
    profile = Profile.from_db(using, list(profile_columns), row[:split])
    user = User.from_db(using, list(user_columns), row[split:users_end])
    profile._state.fields_cache["user"] = user
    user._state.fields_cache["profile"] = profile
    blocks_viewer = bool(row[users_end])
    profile.__dict__["blocks_viewer"] = blocks_viewer
    profile.__dict__.setdefault("_blocked_viewer", {})[viewer.pk] = blocks_viewer
    if not can_view_profile(viewer, profile):
        raise NotFound("No member with that handle.")
    return profile, dict(zip(RELATIONSHIP_COLUMNS, row[users_end + 1 :], strict=True))


def profile_page_prefetch(
    request: Any, viewer_id: int, kwargs: dict[str, Any]
) -> tuple[Any, dict[str, Any]] | None:
    """The profile page's query, to be read with the viewer's account in one round trip
    (``core.navigation``; set as the view's ``navigation_prefetch``)."""
    from django.utils import timezone

    handle = kwargs.get("handle")
    if (
        not isinstance(handle, str)
        or not handle
        or len(handle) > MAX_KEY_LENGTH
        or "\x00" in handle
    ):
        return None
    return PROFILE_PAGE, {"handle": handle, "viewer_id": viewer_id, "now": timezone.now()}


def access_profile_by_handle(viewer: Any, handle: str, *, for_update: bool = False) -> Profile:
    """The profile at ``handle`` if ``viewer`` may see it; raises NotFound otherwise."""
    if not handle or len(handle) > MAX_KEY_LENGTH or "\x00" in handle:
        raise NotFound("No member with that handle.")
    member = viewer is not None and viewer.is_authenticated
    profile: Profile | None
    if member and not for_update:
        profile = _member_profile(handle, viewer.pk)
    else:
        qs = Profile.objects.select_related("user")
        if for_update:
            qs = qs.select_for_update()
        if member:
            # Whether the member blocked the viewer, in the same query (policies.is_blocked_by
            # reads it from the per-instance cache instead of asking again).
            qs = qs.annotate(blocks_viewer=_blocks(viewer.pk))
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
