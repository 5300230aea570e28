"""API shapes for groups, memberships, threads and replies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema

from rounds.core.api_utils import MAX_QUERY_PARAM, PageParams, Safe
from rounds.core.markdown import render_markdown
from rounds.profiles.schemas import InSchema

from . import policies
from .models import (
    MAX_GROUP_DESCRIPTION,
    MAX_REPLY_BODY,
    MAX_THREAD_BODY,
    MAX_THREAD_TITLE,
    Group,
    GroupMembership,
    Reply,
    Thread,
)
from .services import MAX_GROUP_NAME

VisibilityIn = Literal["public", "private", "secret"]
ACK_DESCRIPTION = (
    "Publish despite the professionalism guard's warnings (after a 422 with "
    "`guard.needs_confirmation`). Never overrides patient information."
)
Text = Annotated[str, Safe]


# --- in ----------------------------------------------------------------------------------------


class GroupIn(InSchema):
    name: Annotated[str, Field(min_length=1, max_length=MAX_GROUP_NAME), Safe]
    slug: Annotated[str, Field(max_length=80), Safe] = Field(
        "", description="The web address; derived from the name when empty."
    )
    description: Annotated[str, Field(max_length=MAX_GROUP_DESCRIPTION), Safe] = Field(
        "", description="Markdown."
    )
    visibility: VisibilityIn = "public"
    topics: list[Annotated[str, Field(max_length=40), Safe]] = Field(
        default_factory=list, max_length=10
    )
    specialties: list[Annotated[str, Field(max_length=80), Safe]] = Field(
        default_factory=list, max_length=10, description="Specialty slugs (GET /specialties)."
    )
    organization: Annotated[str, Field(max_length=80), Safe] = Field(
        "", description="An organization's slug."
    )
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class GroupPatchIn(InSchema):
    name: Annotated[str, Field(min_length=1, max_length=MAX_GROUP_NAME), Safe] | None = None
    description: Annotated[str, Field(max_length=MAX_GROUP_DESCRIPTION), Safe] | None = None
    visibility: VisibilityIn | None = Field(None, description="Only the owner changes it.")
    topics: list[Annotated[str, Field(max_length=40), Safe]] | None = Field(None, max_length=10)
    specialties: list[Annotated[str, Field(max_length=80), Safe]] | None = Field(
        None, max_length=10
    )
    organization: Annotated[str, Field(max_length=80), Safe] | None = None
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class DirectoryParams(PageParams):
    q: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = Field(
        "", description="Words in the name or description."
    )
    topic: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = ""
    specialty: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = Field(
        "", description="A specialty slug."
    )
    mine: bool = Field(False, description="Only groups you are a member of.")


class SearchParams(PageParams):
    q: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_PARAM), Safe] = Field(
        ..., description="Words to find (PostgreSQL full-text search, English stemming)."
    )


class MembershipListParams(PageParams):
    state: Literal["requested", "invited", "banned"] = "requested"


class HandleIn(InSchema):
    handle: Annotated[str, Field(min_length=1, max_length=80), Safe]


class RoleIn(InSchema):
    role: Literal["moderator", "member"]


class ThreadIn(InSchema):
    title: Annotated[str, Field(min_length=1, max_length=MAX_THREAD_TITLE), Safe]
    body: Annotated[str, Field(min_length=1, max_length=MAX_THREAD_BODY), Safe] = Field(
        ..., description="Markdown; @handle mentions notify members who can read the thread."
    )
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class ThreadPatchIn(InSchema):
    title: Annotated[str, Field(min_length=1, max_length=MAX_THREAD_TITLE), Safe] | None = None
    body: Annotated[str, Field(min_length=1, max_length=MAX_THREAD_BODY), Safe] | None = None
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class ThreadFlagsIn(InSchema):
    pinned: bool | None = None
    locked: bool | None = None


class ReplyIn(InSchema):
    body: Annotated[str, Field(min_length=1, max_length=MAX_REPLY_BODY), Safe]
    quoted_id: int | None = Field(None, ge=1, description="A reply of the same thread to quote.")
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class ReplyPatchIn(InSchema):
    body: Annotated[str, Field(min_length=1, max_length=MAX_REPLY_BODY), Safe]
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


# --- out ---------------------------------------------------------------------------------------


class AuthorOut(Schema):
    handle: str
    display_name: str


class GroupOut(Schema):
    slug: str
    name: str
    description: str = Field(..., description="Markdown as written.")
    description_html: str
    visibility: str
    topics: list[str]
    specialties: list[str]
    organization: str | None = Field(None, description="The organization's slug.")
    member_count: int
    url: str
    your_state: str | None = Field(
        None, description="Your membership: requested, invited, active, banned, or null."
    )
    your_role: str | None = None


class MembershipOut(Schema):
    member: AuthorOut
    role: str
    state: str
    joined_at: datetime | None
    created_at: datetime


class QuotedOut(Schema):
    id: int
    author: AuthorOut | None
    excerpt: str


class ThreadOut(Schema):
    id: int
    group: str
    title: str
    body: str | None = Field(None, description="Markdown (only in a single thread's answer).")
    body_html: str | None = None
    author: AuthorOut | None = Field(None, description="Null for a former member.")
    pinned: bool
    locked: bool
    reply_count: int
    last_activity_at: datetime
    created_at: datetime
    edited_at: datetime | None
    moderation_state: str = Field(..., description="Only authors see anything but visible.")
    moderation_reason: str
    url: str


class ReplyOut(Schema):
    id: int
    thread_id: int
    body: str
    body_html: str
    author: AuthorOut | None
    quoted: QuotedOut | None
    created_at: datetime
    edited_at: datetime | None
    moderation_state: str
    moderation_reason: str


def author_out(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    if profile is None:
        return None
    return {"handle": profile.handle, "display_name": profile.display_name}


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def group_out(request: HttpRequest, group: Group, viewer: Any) -> dict[str, Any]:
    """``group`` as the viewer sees it (the viewer's membership is usually already loaded by
    access or ``selectors.with_viewer_state``)."""
    membership = policies.membership_of(viewer, group)
    return {
        "slug": group.slug,
        "name": group.name,
        "description": group.description,
        "description_html": str(render_markdown(group.description, links=True)),
        "visibility": group.visibility,
        "topics": [t.name for t in group.topics.all()],
        "specialties": [s.slug for s in group.specialties.all()],
        "organization": group.organization.slug if group.organization else None,
        "member_count": group.member_count,
        "url": _absolute(request, reverse("community:group", args=[group.slug])),
        "your_state": membership.state if membership else None,
        "your_role": membership.role if membership and membership.is_active else None,
    }


def membership_out(membership: GroupMembership) -> dict[str, Any]:
    return {
        "member": author_out(membership.user),
        "role": membership.role,
        "state": membership.state,
        "joined_at": membership.joined_at,
        "created_at": membership.created_at,
    }


def _thread_url(thread: Thread) -> str:
    from .services import thread_url_of

    return thread_url_of(thread.group.slug, thread.pk)


def thread_out(request: HttpRequest, thread: Thread, *, full: bool = False) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "group": thread.group.slug,
        "title": thread.title,
        "body": thread.body if full else None,
        "body_html": str(render_markdown(thread.body, links=True)) if full else None,
        "author": author_out(thread.author),
        "pinned": thread.pinned,
        "locked": thread.locked,
        "reply_count": thread.reply_count,
        "last_activity_at": thread.last_activity_at,
        "created_at": thread.created_at,
        "edited_at": thread.edited_at,
        "moderation_state": thread.moderation_state,
        "moderation_reason": thread.moderation_reason,
        "url": _absolute(request, _thread_url(thread)),
    }


def quote_excerpt(reply: Reply | None, blocked: set[int] | frozenset[int] = frozenset()) -> str:
    """The first 300 characters of a quoted reply (empty once it was hidden or removed, or
    when its author and the viewer blocked one another)."""
    if reply is None or reply.moderation_state != "visible" or reply.author_id in blocked:
        return ""
    text = " ".join(reply.body.split())
    return text if len(text) <= 300 else text[:299] + "…"


def reply_out(reply: Reply, blocked: set[int] | frozenset[int] = frozenset()) -> dict[str, Any]:
    quoted = reply.quoted
    return {
        "id": reply.pk,
        "thread_id": reply.thread_id,
        "body": reply.body,
        "body_html": str(render_markdown(reply.body, links=True)),
        "author": author_out(reply.author),
        "quoted": (
            {
                "id": quoted.pk,
                "author": author_out(quoted.author),
                "excerpt": quote_excerpt(quoted, blocked),
            }
            if quoted is not None
            else None
        ),
        "created_at": reply.created_at,
        "edited_at": reply.edited_at,
        "moderation_state": reply.moderation_state,
        "moderation_reason": reply.moderation_reason,
    }
