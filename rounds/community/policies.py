"""Who may do what in a group (pure predicates over a membership row, plus two lookups).

Rules: public groups are readable by everyone who is not banned from them (a banned member
is treated as a non-member who may not rejoin: they read a public group's content like a
visitor would, but never a private group's); private group content is for active members;
secret groups are invisible to non-members (invited members see the invitation and the
group's name). Active members post; moderators and the owner moderate; the owner manages
roles and transfers ownership. Site staff may moderate every group.
"""

from __future__ import annotations

from typing import Any

from .models import Group, GroupMembership, MembershipState, Role


def membership_of(user: Any, group: Group) -> GroupMembership | None:
    """The user's membership row (any state) or None, cached on the group instance per user
    (``access`` and ``selectors.with_viewer_state`` fill the cache in their own query)."""
    if user is None or not user.is_authenticated:
        return None
    cache = _cache(group)
    if user.pk not in cache:
        cache[user.pk] = GroupMembership.objects.filter(group=group, user=user).first()
    return cache[user.pk]


def _cache(group: Group) -> dict[int, GroupMembership | None]:
    cache: dict[int, GroupMembership | None] | None = group.__dict__.get("_membership_cache")
    if cache is None:
        cache = group.__dict__["_membership_cache"] = {}
    return cache


def remember_membership(group: Group, user_id: int, membership: GroupMembership | None) -> None:
    """Record a user's membership on ``group`` (loaded by the caller) so policies need no query."""
    _cache(group)[user_id] = membership


def forget_memberships(group: Group) -> None:
    """Drop the cached memberships (after a service changed one)."""
    group.__dict__.pop("_membership_cache", None)


def _state(user: Any, group: Group) -> str | None:
    membership = membership_of(user, group)
    return membership.state if membership else None


def is_active_member(user: Any, group: Group) -> bool:
    return _state(user, group) == MembershipState.ACTIVE


def is_banned(user: Any, group: Group) -> bool:
    return _state(user, group) == MembershipState.BANNED


def can_see_group(user: Any, group: Group) -> bool:
    """Whether the group's existence (name, about) is visible: public and private groups to
    everyone; secret groups only to active and invited members."""
    if not group.is_secret:
        return True
    return _state(user, group) in (MembershipState.ACTIVE, MembershipState.INVITED)


def can_read_group(user: Any, group: Group) -> bool:
    """Whether the group's content (threads, replies, members list) is readable."""
    if group.is_public:
        return True
    return is_active_member(user, group)


def can_post_in_group(user: Any, group: Group) -> bool:
    """Active members post (threads and replies)."""
    return is_active_member(user, group)


def can_moderate(user: Any, group: Group) -> bool:
    """Owner, moderators and site staff moderate (pin, lock, approve, remove, ban)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    membership = membership_of(user, group)
    return membership is not None and membership.is_moderator


def is_group_moderator(user: Any, group_id: int) -> bool:
    """Owner or moderator of group ``group_id`` (one query; site staff are not included —
    ``can_moderate`` adds them)."""
    if user is None or not user.is_authenticated:
        return False
    return GroupMembership.objects.filter(
        group_id=group_id,
        user=user,
        state=MembershipState.ACTIVE,
        role__in=(Role.OWNER, Role.MODERATOR),
    ).exists()


def is_owner(user: Any, group: Group) -> bool:
    membership = membership_of(user, group)
    return membership is not None and membership.is_active and membership.role == Role.OWNER


def can_join_directly(user: Any, group: Group) -> bool:
    return group.is_public and _state(user, group) is None


def can_request_to_join(user: Any, group: Group) -> bool:
    return group.visibility == "private" and _state(user, group) is None


def can_edit_content(user: Any, content: Any) -> bool:
    """Authors edit their own threads and replies."""
    return user is not None and user.is_authenticated and content.author_id == user.pk
