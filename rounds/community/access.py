"""The gatekeepers: a group, thread or reply the viewer may see, or NotFound."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from rounds.core.errors import NotFound
from rounds.core.http import MAX_ID

from . import policies
from .models import Group, GroupMembership, Reply, Thread
from .selectors import blocked_ids_for

MAX_SLUG_LENGTH = 80


def _with_viewer_membership(qs: Any, viewer: Any) -> Any:
    if viewer is not None and viewer.is_authenticated:
        return qs.prefetch_related(
            Prefetch(
                "memberships",
                queryset=GroupMembership.objects.filter(user=viewer),
                to_attr="_viewer_memberships",
            )
        )
    return qs


def _remember_membership(group: Group, viewer: Any) -> Group:
    if viewer is not None and viewer.is_authenticated:
        rows = getattr(group, "_viewer_memberships", None)
        policies.remember_membership(group, viewer.pk, rows[0] if rows else None)
    return group


def access_group_by_slug(viewer: Any, slug: str, *, for_update: bool = False) -> Group:
    """The group at ``slug`` if the viewer may know it exists (secret groups only for their
    active and invited members); raises NotFound otherwise. The viewer's membership is loaded
    with it (``policies.membership_of`` reads it without a query)."""
    if not slug or len(slug) > MAX_SLUG_LENGTH or "\x00" in slug:
        raise NotFound("No group at that address.")
    qs = Group.objects.select_related("organization")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    group = _with_viewer_membership(qs, viewer).filter(slug=slug).first()
    if group is None:
        raise NotFound("No group at that address.")
    _remember_membership(group, viewer)
    if not policies.can_see_group(viewer, group):
        raise NotFound("No group at that address.")
    return group


def access_readable_group_by_slug(viewer: Any, slug: str) -> Group:
    """Like ``access_group_by_slug`` for content (threads, members): a private group's content
    is a 404 for non-members."""
    group = access_group_by_slug(viewer, slug)
    if not policies.can_read_group(viewer, group):
        raise NotFound("No group at that address.")
    return group


def access_thread(viewer: Any, group: Group, thread_id: int, *, for_update: bool = False) -> Thread:
    """A thread of ``group`` (already readable) the viewer may see: visible content by a
    member the viewer has not blocked (and who has not blocked them); authors also see their
    own hidden/removed threads."""
    if not 0 < thread_id <= MAX_ID:
        raise NotFound("No such thread.")
    qs = Thread.objects.select_related("author__profile", "group")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    thread = qs.filter(pk=thread_id, group=group).first()
    if thread is None or not _content_visible(viewer, thread):
        raise NotFound("No such thread.")
    thread.group = group
    return thread


def access_reply(viewer: Any, thread: Thread, reply_id: int, *, for_update: bool = False) -> Reply:
    """A reply in ``thread`` the viewer may see (same rules as threads)."""
    if not 0 < reply_id <= MAX_ID:
        raise NotFound("No such reply.")
    qs = Reply.objects.select_related("author__profile")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    reply = qs.filter(pk=reply_id, thread=thread).first()
    if reply is None or not _content_visible(viewer, reply):
        raise NotFound("No such reply.")
    reply.thread = thread
    return reply


def _content_visible(viewer: Any, content: Thread | Reply) -> bool:
    is_author = viewer.is_authenticated and content.author_id == viewer.pk
    if is_author:
        return True
    if content.moderation_state != "visible":
        return False
    return not (viewer.is_authenticated and content.author_id in blocked_ids_for(viewer))


def access_member_user(viewer: Any, group: Group, handle: str) -> Any:
    """The user with ``handle`` for a membership action in ``group``: anyone with a membership
    row there (requests, invitations, bans, members — moderators see those lists), otherwise a
    member whose profile the viewer may see. NotFound otherwise."""
    from rounds.profiles.access import access_profile_by_handle

    if not handle or len(handle) > MAX_SLUG_LENGTH or "\x00" in handle:
        raise NotFound("No member with that handle.")
    row = (
        GroupMembership.objects.filter(group=group, user__profile__handle=handle.lower())
        .select_related("user")
        .first()
    )
    if row is not None:
        return row.user
    return access_profile_by_handle(viewer, handle.lower()).user
