"""JSON API for groups, memberships, forum threads and replies, and forum search
(``/api/v1/groups``). Thin: parse → ``access`` → one service or selector → serialise.

Visibility is the pages': a secret group is a 404 to non-members, a private group's content
(threads, replies, members) a 404 to non-members; a visible-but-forbidden action is a 403.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from rounds.core.api_utils import (
    PageOut,
    PageParams,
    error_responses,
    member_auth,
    optional_auth,
    page_out,
    trusted_json,
    viewer_of,
)
from rounds.core.errors import Forbidden, NotFound
from rounds.core.pagination import paginate
from rounds.guard.schemas import GuardErrorOut

from . import policies, reads, selectors, services
from .access import (
    access_group_by_slug,
    access_member_user,
    access_readable_group_by_slug,
    access_reply,
    access_thread,
)
from .models import Group
from .schemas import (
    DirectoryParams,
    GroupIn,
    GroupOut,
    GroupPatchIn,
    HandleIn,
    MembershipListParams,
    MembershipOut,
    ReplyIn,
    ReplyOut,
    ReplyPatchIn,
    RoleIn,
    SearchParams,
    ThreadFlagsIn,
    ThreadIn,
    ThreadOut,
    ThreadPatchIn,
    group_out,
    membership_out,
    reply_out,
    thread_out,
)

router = Router(tags=["groups"])

WRITE_ERRORS = {**error_responses(400, 401, 403, 404, 409, 429), 422: GuardErrorOut}
READ_ERRORS = error_responses(401, 404, 422)


#: The documented shape of the thread lists (checked by ``trusted_json`` under
#: ``API_CHECK_OUTPUT``).
_THREADS = PageOut[ThreadOut]


def _group_with_details(group: Group) -> Group:
    """Reload the topic/specialty relations (after a write) keeping the viewer's membership."""
    fresh = Group.objects.select_related("organization").prefetch_related("topics", "specialties")
    reloaded = fresh.get(pk=group.pk)
    cached = group.__dict__.get("_membership_cache")
    if cached is not None:
        reloaded.__dict__["_membership_cache"] = cached
    return reloaded


def _my_membership(group: Group, viewer: Any) -> Group:
    """Forget what the group knew of the viewer's membership (a service just changed it)."""
    policies.forget_memberships(group)
    return group


def _require_moderator(viewer: Any, group: Group) -> None:
    """Checked before resolving any member named in the request (no probing by outsiders)."""
    if not policies.can_moderate(viewer, group):
        raise Forbidden("Only the group's owner and moderators can do that.")


# --- groups ------------------------------------------------------------------------------------


@router.get(
    "",
    auth=optional_auth,
    response={200: PageOut[GroupOut], **READ_ERRORS},
    summary="The group directory",
    description=(
        "Public and private groups, plus secret groups you belong to or are invited to; "
        "biggest first. Filter by words (`q`), `topic`, `specialty` slug, or `mine`."
    ),
)
def group_list(request: HttpRequest, params: Query[DirectoryParams]) -> dict[str, Any]:
    viewer = viewer_of(request)
    qs = selectors.group_directory(
        viewer=viewer,
        query=params.q,
        topic=params.topic,
        specialty=params.specialty,
        mine=params.mine,
    )
    page = paginate(qs, page=params.page, size=params.page_size)
    selectors.with_viewer_state(page.items, viewer)
    return page_out(page, lambda group: group_out(request, group, viewer))


@router.post(
    "",
    auth=member_auth,
    response={201: GroupOut, **WRITE_ERRORS},
    summary="Create a group",
    description=(
        "You become its owner. Name and description pass the professionalism guard (422 "
        "with `guard` findings; resend with `acknowledge_warnings` for warnings)."
    ),
)
def group_create(request: HttpRequest, payload: GroupIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    group = services.group_create(actor=viewer, **payload.dict())
    group = _group_with_details(_my_membership(group, viewer))
    return Status(201, group_out(request, group, viewer))


@router.get(
    "/invitations",
    auth=member_auth,
    response={200: PageOut[GroupOut], **READ_ERRORS},
    summary="Groups you are invited to",
)
def invitation_list(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    viewer = viewer_of(request)
    qs = (
        Group.objects.filter(memberships__user=viewer, memberships__state="invited")
        .select_related("organization")
        .prefetch_related("topics", "specialties")
        .order_by("name", "id")
    )
    page = paginate(qs, page=params.page, size=params.page_size)
    selectors.with_viewer_state(page.items, viewer)
    return page_out(page, lambda group: group_out(request, group, viewer))


@router.get(
    "/search",
    auth=optional_auth,
    response={200: PageOut[ThreadOut], **READ_ERRORS},
    summary="Search the discussions of every group you can read",
    description=(
        "Threads whose title or body, or one of whose replies, match `q` (PostgreSQL "
        "full-text search; a substring match on SQLite). Hidden or removed content and "
        "members blocked either way never match. Latest activity first; at most 10 pages "
        "(refine the words for more)."
    ),
)
def search_all(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse:
    viewer = viewer_of(request)
    page = selectors.search_threads(
        viewer=viewer, query=params.q, page=params.page, size=params.page_size
    )
    return trusted_json(page_out(page, lambda thread: thread_out(request, thread)), _THREADS)


@router.get(
    "/{slug}",
    auth=optional_auth,
    response={200: GroupOut, **READ_ERRORS},
    summary="A group",
    description="Secret groups are a 404 unless you are a member or invited.",
)
def group_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    viewer = viewer_of(request)
    group = _group_with_details(access_group_by_slug(viewer, slug))
    return group_out(request, group, viewer)


@router.patch(
    "/{slug}",
    auth=member_auth,
    response={200: GroupOut, **WRITE_ERRORS},
    summary="Edit a group (owner and moderators; visibility: owner)",
)
def group_update(request: HttpRequest, slug: str, payload: GroupPatchIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    group = access_group_by_slug(viewer, slug)
    changes = payload.dict(exclude_unset=True)
    acknowledge = bool(changes.pop("acknowledge_warnings", False))
    changes = {key: value for key, value in changes.items() if value is not None}
    group = services.group_update(
        actor=viewer, group=group, changes=changes, acknowledge_warnings=acknowledge
    )
    return group_out(request, _group_with_details(group), viewer)


@router.delete(
    "/{slug}",
    auth=member_auth,
    response={204: None, **error_responses(401, 403, 404)},
    summary="Delete a group and its forum (owner)",
)
def group_delete(request: HttpRequest, slug: str) -> Status[None]:
    viewer = viewer_of(request)
    services.group_delete(actor=viewer, group=access_group_by_slug(viewer, slug))
    return Status(204, None)


# --- memberships -------------------------------------------------------------------------------


@router.get(
    "/{slug}/members",
    auth=optional_auth,
    response={200: PageOut[MembershipOut], **READ_ERRORS},
    summary="Active members (owner and moderators first)",
    description="A private or secret group's members are a 404 to non-members.",
)
def member_list(request: HttpRequest, slug: str, params: Query[PageParams]) -> dict[str, Any]:
    viewer = viewer_of(request)
    group = access_readable_group_by_slug(viewer, slug)
    page = paginate(
        selectors.members_of(viewer=viewer, group=group), page=params.page, size=params.page_size
    )
    return page_out(page, membership_out)


@router.get(
    "/{slug}/memberships",
    auth=member_auth,
    response={200: PageOut[MembershipOut], **error_responses(401, 403, 404, 422)},
    summary="Requests to join, open invitations or bans (moderators)",
)
def membership_list(
    request: HttpRequest, slug: str, params: Query[MembershipListParams]
) -> dict[str, Any]:
    viewer = viewer_of(request)
    group = access_group_by_slug(viewer, slug)
    _require_moderator(viewer, group)
    qs = selectors.pending_of(group=group, state=params.state)
    page = paginate(qs, page=params.page, size=params.page_size)
    return page_out(page, membership_out)


SelfAction = Literal["join", "leave", "accept", "decline"]
SELF_SERVICES = {
    "join": services.group_join,
    "leave": services.group_leave,
    "accept": services.invitation_accept,
    "decline": services.invitation_decline,
}


@router.post(
    "/{slug}/membership/{action}",
    auth=member_auth,
    response={200: GroupOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Join, leave, accept or decline an invitation",
    description=(
        "`join`: a public group at once, a private group by request (state `requested`), or "
        "accepts your invitation; banned members get a 403. `leave`: also withdraws a request "
        "(the owner transfers ownership first: 409). `accept` / `decline`: your invitation."
    ),
)
def membership_self(request: HttpRequest, slug: str, action: SelfAction) -> dict[str, Any]:
    viewer = viewer_of(request)
    group = access_group_by_slug(viewer, slug)
    SELF_SERVICES[action](actor=viewer, group=group)
    group = _group_with_details(_my_membership(group, viewer))
    return group_out(request, group, viewer)


@router.post(
    "/{slug}/invitations",
    auth=member_auth,
    response={201: MembershipOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Invite a member (moderators)",
    description="A member who asked to join is approved instead. Notifies the invitee.",
)
def invite(request: HttpRequest, slug: str, payload: HandleIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    group = access_group_by_slug(viewer, slug)
    _require_moderator(viewer, group)
    user = access_member_user(viewer, group, payload.handle)
    membership = services.group_invite(actor=viewer, group=group, invitee=user)
    membership.user = user
    return Status(201, membership_out(membership))


MemberAction = Literal["approve", "decline", "cancel", "remove", "ban", "unban", "transfer"]
MEMBER_SERVICES = {
    "approve": services.request_approve,
    "decline": services.request_decline,
    "cancel": services.invitation_cancel,
    "remove": services.member_remove,
    "ban": services.member_ban,
    "unban": services.member_unban,
    "transfer": services.ownership_transfer,
}


@router.post(
    "/{slug}/members/{handle}/{action}",
    auth=member_auth,
    response={204: None, **error_responses(401, 403, 404, 409, 422)},
    summary="Act on a member (moderators; transfer: owner)",
    description=(
        "`approve`/`decline` a request, `cancel` an invitation, `remove` or `ban` a member "
        "(moderators only by the owner), `unban`, `transfer` ownership to an active member "
        "(you become a moderator)."
    ),
)
def member_action(
    request: HttpRequest, slug: str, handle: str, action: MemberAction
) -> Status[None]:
    viewer = viewer_of(request)
    group = access_group_by_slug(viewer, slug)
    _require_moderator(viewer, group)
    user = access_member_user(viewer, group, handle)
    MEMBER_SERVICES[action](actor=viewer, group=group, user=user)
    return Status(204, None)


@router.put(
    "/{slug}/members/{handle}",
    auth=member_auth,
    response={200: MembershipOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Make an active member a moderator or a member (owner)",
)
def member_role(request: HttpRequest, slug: str, handle: str, payload: RoleIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    group = access_group_by_slug(viewer, slug)
    _require_moderator(viewer, group)
    user = access_member_user(viewer, group, handle)
    membership = services.member_set_role(actor=viewer, group=group, user=user, role=payload.role)
    membership.user = user
    return membership_out(membership)


# --- threads -----------------------------------------------------------------------------------


@router.get(
    "/{slug}/threads",
    auth=optional_auth,
    response={200: PageOut[ThreadOut], **READ_ERRORS},
    summary="A group's forum: pinned first, then latest activity",
)
def thread_list(request: HttpRequest, slug: str, params: Query[PageParams]) -> HttpResponse:
    viewer = viewer_of(request)
    read = reads.group_read(viewer, slug, forum=(params.page, params.page_size))
    if read is not None:  # PostgreSQL: one statement, the page kept (``reads``)
        if not policies.can_read_group(viewer, read.group):
            raise NotFound("No group at that address.")
        page = reads.forum_page(viewer, read, page=params.page, size=params.page_size)
    else:
        group = access_readable_group_by_slug(viewer, slug)
        page = paginate(
            selectors.threads_of(viewer=viewer, group=group),
            page=params.page,
            size=params.page_size,
        )
        for thread in page.items:
            thread.group = group
    return trusted_json(page_out(page, lambda thread: thread_out(request, thread)), _THREADS)


@router.get(
    "/{slug}/search",
    auth=optional_auth,
    response={200: PageOut[ThreadOut], **READ_ERRORS},
    summary="Search one group's discussions",
)
def search_group(request: HttpRequest, slug: str, params: Query[SearchParams]) -> HttpResponse:
    viewer = viewer_of(request)
    group = access_readable_group_by_slug(viewer, slug)
    page = selectors.search_threads(
        viewer=viewer, query=params.q, group=group, page=params.page, size=params.page_size
    )
    return trusted_json(page_out(page, lambda thread: thread_out(request, thread)), _THREADS)


@router.post(
    "/{slug}/threads",
    auth=member_auth,
    response={201: ThreadOut, **WRITE_ERRORS},
    summary="Start a thread (members)",
    description="Rate-limited (429 with Retry-After). Title and body pass the guard.",
)
def thread_create(request: HttpRequest, slug: str, payload: ThreadIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    group = access_readable_group_by_slug(viewer, slug)
    thread = services.thread_create(actor=viewer, group=group, **payload.dict())
    return Status(201, thread_out(request, thread, full=True))


def _thread(viewer: Any, slug: str, thread_id: int) -> Any:
    group = access_readable_group_by_slug(viewer, slug)
    return access_thread(viewer, group, thread_id)


@router.get(
    "/{slug}/threads/{thread_id}",
    auth=optional_auth,
    response={200: ThreadOut, **READ_ERRORS},
    summary="A thread",
)
def thread_detail(request: HttpRequest, slug: str, thread_id: int) -> dict[str, Any]:
    thread = _thread(viewer_of(request), slug, thread_id)
    return thread_out(request, thread, full=True)


@router.patch(
    "/{slug}/threads/{thread_id}",
    auth=member_auth,
    response={200: ThreadOut, **WRITE_ERRORS},
    summary="Edit your thread",
)
def thread_update(
    request: HttpRequest, slug: str, thread_id: int, payload: ThreadPatchIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    thread = services.thread_update(
        actor=viewer, thread=_thread(viewer, slug, thread_id), **payload.dict()
    )
    return thread_out(request, thread, full=True)


@router.delete(
    "/{slug}/threads/{thread_id}",
    auth=member_auth,
    response={204: None, **error_responses(401, 403, 404)},
    summary="Delete your thread (with its replies)",
)
def thread_delete(request: HttpRequest, slug: str, thread_id: int) -> Status[None]:
    viewer = viewer_of(request)
    services.thread_delete(actor=viewer, thread=_thread(viewer, slug, thread_id))
    return Status(204, None)


@router.post(
    "/{slug}/threads/{thread_id}/flags",
    auth=member_auth,
    response={200: ThreadOut, **error_responses(401, 403, 404, 422)},
    summary="Pin or lock a thread (moderators)",
)
def thread_flags(
    request: HttpRequest, slug: str, thread_id: int, payload: ThreadFlagsIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    thread = services.thread_set_flags(
        actor=viewer,
        thread=_thread(viewer, slug, thread_id),
        pinned=payload.pinned,
        locked=payload.locked,
    )
    return thread_out(request, thread, full=True)


# --- replies -----------------------------------------------------------------------------------


@router.get(
    "/{slug}/threads/{thread_id}/replies",
    auth=optional_auth,
    response={200: PageOut[ReplyOut], **READ_ERRORS},
    summary="A thread's replies, oldest first",
)
def reply_list(
    request: HttpRequest, slug: str, thread_id: int, params: Query[PageParams]
) -> HttpResponse:
    viewer = viewer_of(request)
    read = reads.thread_read(viewer, slug, thread_id, replies=(params.page, params.page_size))
    if read is not None:  # PostgreSQL: one statement, the page kept (``reads``)
        page = reads.replies_page(viewer, read, page=params.page, size=params.page_size)
    else:
        thread = _thread(viewer, slug, thread_id)
        page = paginate(
            selectors.replies_of(viewer=viewer, thread=thread),
            page=params.page,
            size=params.page_size,
        )
    blocked = selectors.blocked_ids_for(viewer)
    return trusted_json(page_out(page, lambda reply: reply_out(reply, blocked)), PageOut[ReplyOut])


@router.post(
    "/{slug}/threads/{thread_id}/replies",
    auth=member_auth,
    response={201: ReplyOut, **WRITE_ERRORS},
    summary="Reply (members; locked threads: moderators)",
    description="`quoted_id` quotes a reply of the same thread. Rate-limited (429).",
)
def reply_create(
    request: HttpRequest, slug: str, thread_id: int, payload: ReplyIn
) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    reply = services.reply_create(
        actor=viewer, thread=_thread(viewer, slug, thread_id), **payload.dict()
    )
    return Status(201, reply_out(reply))


def _reply(viewer: Any, slug: str, thread_id: int, reply_id: int) -> Any:
    return access_reply(viewer, _thread(viewer, slug, thread_id), reply_id)


@router.patch(
    "/{slug}/threads/{thread_id}/replies/{reply_id}",
    auth=member_auth,
    response={200: ReplyOut, **WRITE_ERRORS},
    summary="Edit your reply",
)
def reply_update(
    request: HttpRequest, slug: str, thread_id: int, reply_id: int, payload: ReplyPatchIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    reply = services.reply_update(
        actor=viewer, reply=_reply(viewer, slug, thread_id, reply_id), **payload.dict()
    )
    return reply_out(reply)


@router.delete(
    "/{slug}/threads/{thread_id}/replies/{reply_id}",
    auth=member_auth,
    response={204: None, **error_responses(401, 403, 404)},
    summary="Delete your reply",
)
def reply_delete(request: HttpRequest, slug: str, thread_id: int, reply_id: int) -> Status[None]:
    viewer = viewer_of(request)
    services.reply_delete(actor=viewer, reply=_reply(viewer, slug, thread_id, reply_id))
    return Status(204, None)
