"""What the group and thread pages show, as hashable stamps: the key parts of those pages
cached whole per viewer (``core.fragments.render_page``).

Each stamp holds the values the page shows rather than ``updated_at`` alone (moderation
decisions, counters and flags are written without touching it): the group's own fields,
the viewer's membership and rights, each thread's or reply's shown values and its author's
profile stamp (``Profile.updated_at``, bumped by every profile service), quoted replies as
the viewer may see them, upcoming events, and relative times as shown ("active 3 hours
ago"), so a page is never served with an older text than it would render now.
"""

from __future__ import annotations

from typing import Any

from django.utils.timesince import timesince


def _profile(user: Any) -> tuple[Any, ...] | None:
    profile = getattr(user, "profile", None) if user is not None else None
    if profile is None:
        return None
    return (profile.pk, profile.updated_at.timestamp(), profile.handle, profile.display_name)


def _stamp(value: Any) -> Any:
    return value.timestamp() if value is not None else None


def group_stamp(context: dict[str, Any]) -> tuple[Any, ...]:
    """The group header, about box and the viewer's place in the group (the about box's
    topics and specialties change only through the services that save the group, so with
    its ``updated_at``)."""
    group = context["group"]
    membership = context.get("membership")
    organization = group.organization if group.organization_id else None
    return (
        group.pk,
        _stamp(group.updated_at),
        group.name,
        group.slug,
        group.description,
        group.visibility,
        group.member_count,
        (organization.slug, organization.name) if organization is not None else None,
        (membership.state, membership.role) if membership is not None else None,
        tuple(
            bool(context.get(flag)) for flag in ("can_read", "can_post", "can_moderate", "is_owner")
        ),
    )


def _page(page: Any) -> tuple[Any, ...] | None:
    if page is None:
        return None
    return (page.number, page.size, page.has_next)


def thread_item_stamp(thread: Any) -> tuple[Any, ...]:
    """Everything ``community/_thread_item.html`` shows of ``thread``."""
    return (
        thread.pk,
        thread.title,
        thread.pinned,
        thread.locked,
        thread.moderation_state,
        thread.reply_count,
        _stamp(thread.last_activity_at),
        timesince(thread.last_activity_at),
        thread.author_id,
        _profile(thread.author),
    )


def group_page_stamps(context: dict[str, Any]) -> tuple[Any, ...]:
    """Key parts of the group page (``views.group_detail``)."""
    page = context.get("page")
    owner = context.get("owner")
    events = context.get("upcoming_events") or ()
    return (
        group_stamp(context),
        _page(page),
        tuple(thread_item_stamp(t) for t in page.items) if page is not None else (),
        (owner.user_id, _profile(owner.user)) if owner is not None else None,
        tuple((e.pk, e.title, _stamp(e.starts_at), e.is_online, e.city) for e in events),
    )


def _reply_stamp(reply: Any) -> tuple[Any, ...]:
    quoted = reply.quoted if reply.quoted_id else None
    return (
        reply.pk,
        reply.body,
        _stamp(reply.created_at),
        _stamp(reply.edited_at),
        reply.moderation_state,
        reply.moderation_reason,
        reply.author_id,
        _profile(reply.author),
        reply.quoted_id,
        None
        if quoted is None
        else (
            quoted.moderation_state,
            quoted.author_id,
            quoted.body,
            _profile(quoted.author),
        ),
    )


def thread_page_stamps(context: dict[str, Any]) -> tuple[Any, ...]:
    """Key parts of the thread page (``views._thread_page`` for a GET)."""
    thread = context["thread"]
    page = context["page"]
    form = context["form"]
    quoted = getattr(form, "quoted", None)
    return (
        group_stamp(context),
        (
            thread.pk,
            thread.title,
            thread.body,
            thread.pinned,
            thread.locked,
            _stamp(thread.created_at),
            _stamp(thread.edited_at),
            thread.moderation_state,
            thread.moderation_reason,
            thread.reply_count,
            thread.author_id,
            _profile(thread.author),
        ),
        bool(context.get("can_edit")),
        bool(context.get("can_reply")),
        tuple(sorted(context.get("blocked") or ())),
        _page(page),
        tuple(_reply_stamp(r) for r in page.items),
        _reply_stamp(quoted) if quoted is not None else None,
    )
