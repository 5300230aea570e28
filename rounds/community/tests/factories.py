"""Build groups, memberships, threads and replies in tests through the real services."""

from __future__ import annotations

from typing import Any

from rounds.community import services
from rounds.community.models import Group, Reply, Thread
from rounds.profiles.tests.factories import ProfileFactory


def make_group(
    owner: Any = None, *, visibility: str = "public", name: str = "", **kwargs: Any
) -> Group:
    """A group owned by ``owner`` (a new member when None)."""
    owner = owner or ProfileFactory().user
    count = Group.objects.count() + 1
    return services.group_create(
        actor=owner,
        name=name or f"Hospital Medicine Forum {count}",
        visibility=visibility,
        description=kwargs.pop("description", "Where hospitalists compare notes."),
        **kwargs,
    )


def add_member(group: Group, user: Any = None, *, role: str = "member") -> Any:
    """Make ``user`` (a new member when None) an active member with ``role``."""
    from rounds.community.models import GroupMembership, MembershipState

    user = user or ProfileFactory().user
    owner = GroupMembership.objects.get(group=group, role="owner").user
    existing = GroupMembership.objects.filter(group=group, user=user).first()
    if existing is None or existing.state != MembershipState.ACTIVE:
        if group.visibility == "public" and existing is None:
            services.group_join(actor=user, group=group)
        else:
            services.group_invite(actor=owner, group=group, invitee=user)
            services.invitation_accept(actor=user, group=group)
    if role == "moderator":
        services.member_set_role(actor=owner, group=group, user=user, role="moderator")
    return user


def make_thread(
    group: Group,
    author: Any,
    *,
    title: str = "Sepsis bundles",
    body: str = "What works on your wards?",
) -> Thread:
    return services.thread_create(actor=author, group=group, title=title, body=body)


def make_reply(
    thread: Thread,
    author: Any,
    *,
    body: str = "We audit every Monday.",
    quoted: Reply | None = None,
) -> Reply:
    return services.reply_create(
        actor=author, thread=thread, body=body, quoted_id=quoted.pk if quoted else None
    )
