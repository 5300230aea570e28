"""Data rights for groups and forums.

Export: the member's memberships (group, role, state), the groups they created (name and
about as written), their threads and replies (with moderation state and reason). Nothing
private of anyone else: other members' replies in the member's threads are theirs.

Erasure (right before the User row is deleted): groups the member owns are handed to the
longest-standing moderator, or else member, who becomes owner; a group with no other member
is deleted with its forum. A group's name and about belong to the group and stay with it when
it is handed over. Member counts are corrected for the member's active memberships.
``anonymise=False`` deletes the member's threads (with their replies) and replies;
``anonymise=True`` keeps them as "Former member" (author cleared by the FK's SET NULL) with
what names the member (name, handle, e-mail, phone, NPI) replaced by "Former member" and the
moderators' reasons about them cleared, as are the about texts of groups they created.
Memberships go by CASCADE.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import Greatest

from .models import MAX_THREAD_TITLE, Group, GroupMembership, MembershipState, Reply, Role, Thread


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_member_data(user: Any) -> dict[str, Any]:
    """``{"group_memberships", "groups_created", "forum_threads", "forum_replies"}``."""
    memberships = [
        {
            "group": m.group.slug,
            "group_name": m.group.name,
            "role": m.role,
            "state": m.state,
            "joined_at": _iso(m.joined_at),
            "since": _iso(m.created_at),
        }
        for m in GroupMembership.objects.filter(user=user).select_related("group").order_by("id")
    ]
    created = [
        {
            "slug": g.slug,
            "name": g.name,
            "description": g.description,
            "visibility": g.visibility,
            "created_at": _iso(g.created_at),
        }
        for g in Group.objects.filter(created_by=user).order_by("id")
    ]
    threads = [
        {
            "id": t.pk,
            "group": t.group.slug,
            "title": t.title,
            "body": t.body,
            "created_at": _iso(t.created_at),
            "edited_at": _iso(t.edited_at),
            "moderation_state": t.moderation_state,
            "moderation_reason": t.moderation_reason,
        }
        for t in Thread.objects.filter(author=user).select_related("group").order_by("id")
    ]
    replies = [
        {
            "id": r.pk,
            "thread": r.thread_id,
            "quoted": r.quoted_id,
            "body": r.body,
            "created_at": _iso(r.created_at),
            "edited_at": _iso(r.edited_at),
            "moderation_state": r.moderation_state,
            "moderation_reason": r.moderation_reason,
        }
        for r in Reply.objects.filter(author=user).order_by("id")
    ]
    return {
        "group_memberships": memberships,
        "groups_created": created,
        "forum_threads": threads,
        "forum_replies": replies,
    }


EXPORT_DESCRIPTIONS = {
    "group_memberships": "Groups you belong to, asked to join, are invited to or banned from.",
    "groups_created": "Groups you created, with their name and about as written.",
    "forum_threads": "Threads you started in group forums, with moderators' reasons if any.",
    "forum_replies": "Your replies in group forums, with moderators' reasons if any.",
}


def seed_canary_data(user: Any, *, canary: str, other: Any) -> None:
    """Test hook (tests/test_data_rights_canary.py): through the services, a group ``user``
    owns alone (name, about, topic hold ``canary``), membership of a group ``other`` owns, a
    thread and replies there and a reply in ``other``'s thread (texts and moderators'
    reasons hold ``canary``)."""
    from . import services

    services.group_create(
        actor=user,
        name=f"{canary} group",
        description=f"{canary} about",
        topics=[canary[:40]],
        visibility="private",
    )
    shared = services.group_create(actor=other, name="Shared forum")
    services.group_join(actor=user, group=shared)
    thread = services.thread_create(
        actor=user, group=shared, title=f"{canary} title", body=f"{canary} body"
    )
    reply = services.reply_create(actor=user, thread=thread, body=f"{canary} reply")
    others = services.thread_create(actor=other, group=shared, title="Other's", body="Hello")
    services.reply_create(actor=user, thread=others, body=f"{canary} answer")
    services.reply_create(actor=other, thread=thread, body="Reply to the member")
    Thread.objects.filter(pk=thread.pk).update(moderation_reason=f"{canary} reason")
    Reply.objects.filter(pk=reply.pk).update(moderation_reason=f"{canary} reason")


def _hand_over_owned_groups(user: Any) -> None:
    owned = GroupMembership.objects.filter(
        user=user, role=Role.OWNER, state=MembershipState.ACTIVE
    ).values_list("group_id", flat=True)
    for group_id in list(owned):
        heir = (
            GroupMembership.objects.filter(group_id=group_id, state=MembershipState.ACTIVE)
            .exclude(user=user)
            .order_by(F("role").desc(), "joined_at", "id")  # "moderator" sorts after "member"
            .first()
        )
        if heir is None:
            Group.objects.filter(pk=group_id).delete()
            continue
        GroupMembership.objects.filter(group_id=group_id, user=user).update(role=Role.MEMBER)
        heir.role = Role.OWNER
        heir.save(update_fields=["role", "updated_at"])


FORMER_MEMBER = "Former member"


def _identifiers(user: Any) -> list[str]:
    """What names the member in a text: display name, handle, e-mail, phone and NPI."""
    profile = getattr(user, "profile", None)
    values = [getattr(user, "email", "")]
    if profile is not None:
        values += [profile.display_name, profile.handle, profile.phone, profile.npi or ""]
    # Longest first ("Dr Ana Ruiz" before "Ana Ruiz"); very short values are skipped.
    return sorted({v for v in values if v and len(v) >= 3}, key=len, reverse=True)


def _scrub(text: str, identifiers: list[str]) -> str:
    for value in identifiers:
        text = re.sub(re.escape(value), FORMER_MEMBER, text, flags=re.IGNORECASE)
    return text


def _anonymise_texts(user: Any) -> None:
    """Kept contributions lose what names the member, and the moderators' reasons about them;
    the about of groups they created (now another member's) likewise."""
    from .forum_search import forum_changed

    forum_changed()  # texts rewritten below by ``update()``: new search matches
    identifiers = _identifiers(user)
    for thread in Thread.objects.filter(author=user).only("pk", "title", "body"):
        Thread.objects.filter(pk=thread.pk).update(
            title=_scrub(thread.title, identifiers)[:MAX_THREAD_TITLE],
            body=_scrub(thread.body, identifiers),
            moderation_reason="",
        )
    for reply in Reply.objects.filter(author=user).only("pk", "body"):
        Reply.objects.filter(pk=reply.pk).update(
            body=_scrub(reply.body, identifiers), moderation_reason=""
        )
    for group in Group.objects.filter(created_by=user).only("pk", "name", "description"):
        Group.objects.filter(pk=group.pk).update(
            name=_scrub(group.name, identifiers)[:120],
            description=_scrub(group.description, identifiers),
        )


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Hand over or delete owned groups, fix member counts, delete or keep (anonymised) the
    member's threads and replies (see the module docstring)."""
    _hand_over_owned_groups(user)
    Group.objects.filter(memberships__user=user, memberships__state=MembershipState.ACTIVE).update(
        member_count=Greatest(F("member_count") - 1, 0)
    )
    if anonymise:
        _anonymise_texts(user)
        return
    # Replies in other members' threads: correct those threads' counts, then delete.
    counts = (
        Reply.objects.filter(author=user)
        .exclude(thread__author=user)
        .values("thread_id")
        .annotate(n=Count("id"))
    )
    for row in counts:
        Thread.objects.filter(pk=row["thread_id"]).update(
            reply_count=Greatest(F("reply_count") - row["n"], 0)
        )
    Reply.objects.filter(author=user).delete()
    Thread.objects.filter(author=user).delete()
