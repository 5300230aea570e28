"""Group and forum pages. Thin: parse, resolve through ``access``, call one service or
selector, render. Every page works without JavaScript; htmx only previews the guard."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, Forbidden, NotFound, RateLimited, ValidationFailed
from rounds.core.fragments import render_page
from rounds.core.http import apply_service_errors, map_errors
from rounds.core.pagination import paginate, parse_positive_int
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged

from . import policies, reads, selectors, services
from .access import (
    access_group_by_slug,
    access_member_user,
    access_readable_group_by_slug,
    access_reply,
    access_thread,
)
from .forms import DirectoryForm, GroupForm, InviteForm, ReplyForm, SearchForm, ThreadForm
from .models import Group, GroupMembership, MembershipState, Thread
from .stamps import group_page_stamps, thread_page_stamps

PAGE_SIZE = 20
REPLIES_PAGE_SIZE = 50


def _page_number(request: HttpRequest) -> int:
    return parse_positive_int(request.GET.get("page"), default=1, maximum=500)


def _ack(request: HttpRequest) -> bool:
    return is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD))


def _form_error(form: Any, exc: ApplicationError) -> int:
    """Copy a service error onto ``form``; a rate limit is not a form error (re-raised)."""
    if isinstance(exc, RateLimited):
        raise exc
    apply_service_errors(form, exc)
    return exc.status_code


def _require_moderator(user: Any, group: Group) -> None:
    """Checked before resolving any member named in the request (no probing by outsiders)."""
    if not policies.can_moderate(user, group):
        raise Forbidden("Only the group's owner and moderators can do that.")


def _group_context(request: HttpRequest, group: Group, *, about: bool = True) -> dict[str, Any]:
    """The group header's context; with ``about``, the about box's topics and specialties
    too (two queries; only the group page and its form show them)."""
    viewer = request.user
    membership = policies.membership_of(viewer, group)
    context = {
        "group": group,
        "membership": membership,
        "can_read": policies.can_read_group(viewer, group),
        "can_post": policies.can_post_in_group(viewer, group),
        "can_moderate": policies.can_moderate(viewer, group),
        "is_owner": policies.is_owner(viewer, group),
    }
    if about:
        context.update(_about(group))
    return context


def _about(group: Group) -> dict[str, Any]:
    return {"topics": list(group.topics.all()), "specialties": list(group.specialties.all())}


# --- directory, invitations, search ------------------------------------------------------------


@require_GET
@map_errors
def directory(request: HttpRequest) -> HttpResponse:
    """Public and private groups (and the viewer's secret ones), searchable and filtered."""
    form = DirectoryForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.group_directory(
        viewer=request.user,
        query=filters.get("q", ""),
        topic=filters.get("topic", ""),
        specialty=filters.get("specialty", ""),
        mine=bool(filters.get("mine")),
    )
    page = paginate(qs, page=_page_number(request), size=PAGE_SIZE)
    selectors.with_viewer_state(page.items, request.user)
    invitations = (
        selectors.my_invitations(viewer=request.user).count()
        if request.user.is_authenticated
        else 0
    )
    context = {"form": form, "page": page, "filters": filters, "invitation_count": invitations}
    return render(request, "community/directory.html", context)


@login_required
@require_GET
@map_errors
def invitations(request: HttpRequest) -> HttpResponse:
    """The signed-in member's open invitations, to accept or decline."""
    rows = list(selectors.my_invitations(viewer=request.user)[:100])
    return render(request, "community/invitations.html", {"invitations": rows})


@require_GET
@map_errors
def search(request: HttpRequest, slug: str = "") -> HttpResponse:
    """Full-text search of the discussions the viewer may read (all groups, or one)."""
    group = access_readable_group_by_slug(request.user, slug) if slug else None
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = None
    if query:
        page = selectors.search_threads(
            viewer=request.user,
            query=query,
            group=group,
            page=_page_number(request),
            size=PAGE_SIZE,
        )
    context = {"form": form, "query": query, "page": page, "group": group}
    return render(request, "community/search.html", context)


# --- groups --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def group_create(request: HttpRequest) -> HttpResponse:
    """Create a group; the creator becomes its owner."""
    status = 200
    if request.method == "POST":
        form = GroupForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                group = services.group_create(
                    actor=request.user, acknowledge_warnings=_ack(request), **form.service_kwargs()
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "Your group is ready. Start the first discussion.")
                return redirect("community:group", group.slug)
    else:
        form = GroupForm()
    return render(request, "community/group_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def group_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit the group's about details (owner and moderators)."""
    group = access_group_by_slug(request.user, slug)
    _require_moderator(request.user, group)
    status = 200
    if request.method == "POST":
        form = GroupForm(request.POST, editing=True)
        status = 422
        if form.is_valid():
            try:
                services.group_update(
                    actor=request.user,
                    group=group,
                    changes=form.service_kwargs(),
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                messages.success(request, "Group details saved.")
                return redirect("community:group", group.slug)
    else:
        form = GroupForm(
            editing=True,
            initial={
                "name": group.name,
                "description": group.description,
                "visibility": group.visibility,
                "topics": ", ".join(t.name for t in group.topics.all()),
                "specialties": list(group.specialties.all()),
                "organization": group.organization.slug if group.organization else "",
            },
        )
    context = {**_group_context(request, group), "form": form}
    return render(request, "community/group_form.html", context, status=status)


@login_required
@require_POST
@map_errors
def group_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """Delete the group and its forum (owner)."""
    group = access_group_by_slug(request.user, slug)
    services.group_delete(actor=request.user, group=group)
    messages.success(request, "The group was deleted.")
    return redirect("community:directory")


@require_GET
@map_errors
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The group page: about, how to join, and the forum when the viewer may read it."""
    number = _page_number(request)
    # PostgreSQL: the group, its owner, the viewer's blocks and a kept forum page in one
    # statement (``reads``); elsewhere the ORM reads
    read = reads.group_read(request.user, slug, forum=(number, PAGE_SIZE))
    group = read.group if read is not None else access_group_by_slug(request.user, slug)
    context = _group_context(request, group, about=False)
    if context["can_read"]:
        if read is not None:
            context["page"] = reads.forum_page(request.user, read, page=number, size=PAGE_SIZE)
            context["owner"] = read.owner
        else:
            qs = selectors.threads_of(viewer=request.user, group=group)
            context["page"] = page = paginate(qs, page=number, size=PAGE_SIZE)
            for thread in page.items:
                thread.group = group
            context["owner"] = selectors.owner_of(group)
        from rounds.events.selectors import group_upcoming_events

        context["upcoming_events"] = (
            read.upcoming_events(request.user)
            if read is not None
            else group_upcoming_events(viewer=request.user, group=group)
        )
    context["thread_form"] = ThreadForm()
    # The whole page per viewer, under everything it shows (``stamps``); the reads above
    # decide what is shown on every request. The about box's topics and specialties are
    # read only to render: they change only with the group (``group_create``/``group_update``
    # save it, moving ``updated_at``, which the key holds).
    return render_page(
        request,
        "community/group.html",
        lambda: {**context, **_about(group)},
        key_parts=group_page_stamps(context),
    )


@login_required
@require_GET
@map_errors
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """Active members (readable groups); moderators also see requests, invitations, bans."""
    group = access_readable_group_by_slug(request.user, slug)
    context = _group_context(request, group)
    qs = selectors.members_of(viewer=request.user, group=group)
    context["page"] = paginate(qs, page=_page_number(request), size=50)
    if context["can_moderate"]:
        context["requests"] = list(
            selectors.pending_of(group=group, state=MembershipState.REQUESTED)[:100]
        )
        context["invited"] = list(
            selectors.pending_of(group=group, state=MembershipState.INVITED)[:100]
        )
        context["banned"] = list(
            selectors.pending_of(group=group, state=MembershipState.BANNED)[:100]
        )
        context["invite_form"] = InviteForm()
    return render(request, "community/members.html", context)


# --- membership actions ------------------------------------------------------------------------

SELF_ACTIONS = {
    "join": (services.group_join, "Welcome to the group."),
    "leave": (services.group_leave, "You left the group."),
    "accept": (services.invitation_accept, "Welcome to the group."),
    "decline": (services.invitation_decline, "Invitation declined."),
}


@login_required
@require_POST
@map_errors
def membership_self(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Join / request, leave / withdraw, accept or decline an invitation."""
    if action not in SELF_ACTIONS:
        raise NotFound()
    group = access_group_by_slug(request.user, slug)
    service, done = SELF_ACTIONS[action]
    result = service(actor=request.user, group=group)
    if isinstance(result, GroupMembership) and result.state == MembershipState.REQUESTED:
        done = "Request sent. The group's moderators will answer it."
    messages.success(request, done)
    if action in ("decline", "leave") and not group.is_public:
        return redirect("community:directory")
    return redirect("community:group", group.slug)


MEMBER_ACTIONS = {
    "approve": (services.request_approve, "Request approved."),
    "decline": (services.request_decline, "Request declined."),
    "cancel": (services.invitation_cancel, "Invitation withdrawn."),
    "remove": (services.member_remove, "Member removed."),
    "ban": (services.member_ban, "Member banned."),
    "unban": (services.member_unban, "Ban lifted."),
    "transfer": (services.ownership_transfer, "Ownership transferred; you are now a moderator."),
}


@login_required
@require_POST
@map_errors
def member_action(request: HttpRequest, slug: str, handle: str, action: str) -> HttpResponse:
    """Moderators act on a member: approve/decline requests, cancel invitations, remove, ban,
    unban; the owner also promotes/demotes and transfers ownership."""
    group = access_group_by_slug(request.user, slug)
    _require_moderator(request.user, group)
    user = access_member_user(request.user, group, handle)
    if action in ("moderator", "member"):
        services.member_set_role(actor=request.user, group=group, user=user, role=action)
        messages.success(request, "Role changed.")
    elif action in MEMBER_ACTIONS:
        service, done = MEMBER_ACTIONS[action]
        service(actor=request.user, group=group, user=user)
        messages.success(request, done)
    else:
        raise NotFound()
    return redirect("community:members", group.slug)


@login_required
@require_POST
@map_errors
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Invite a member by handle (moderators)."""
    group = access_group_by_slug(request.user, slug)
    _require_moderator(request.user, group)
    form = InviteForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed("Enter a member's handle.", field="handle")
    user = access_member_user(request.user, group, form.cleaned_data["handle"])
    services.group_invite(actor=request.user, group=group, invitee=user)
    messages.success(request, "Invitation sent.")
    return redirect("community:members", group.slug)


# --- threads -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a discussion (active members)."""
    group = access_readable_group_by_slug(request.user, slug)
    if not policies.can_post_in_group(request.user, group):
        raise Forbidden("Join the group to post in its forum.")
    status = 200
    if request.method == "POST":
        form = ThreadForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                thread = services.thread_create(
                    actor=request.user,
                    group=group,
                    acknowledge_warnings=_ack(request),
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                return redirect("community:thread", group.slug, thread.pk)
    else:
        form = ThreadForm()
    context = {**_group_context(request, group), "form": form}
    return render(request, "community/thread_form.html", context, status=status)


def _thread_page(
    request: HttpRequest,
    group: Group,
    thread: Thread,
    form: ReplyForm,
    status: int = 200,
    read: reads.ThreadRead | None = None,
) -> HttpResponse:
    number = _page_number(request)
    if read is not None:  # PostgreSQL: the page's replies kept (``reads``)
        page = reads.replies_page(request.user, read, page=number, size=REPLIES_PAGE_SIZE)
    else:
        qs = selectors.replies_of(viewer=request.user, thread=thread)
        page = paginate(qs, page=number, size=REPLIES_PAGE_SIZE)
    context = {
        **_group_context(request, group, about=False),
        "thread": thread,
        "page": page,
        "form": form,
        "can_edit": policies.can_edit_content(request.user, thread),
        "blocked": selectors.blocked_ids_for(request.user),
        "can_reply": policies.can_post_in_group(request.user, group)
        and (not thread.locked or policies.can_moderate(request.user, group)),
    }
    if status == 200 and request.method in ("GET", "HEAD"):
        return render_page(
            request,
            "community/thread.html",
            lambda: context,
            key_parts=thread_page_stamps(context),
        )
    return render(request, "community/thread.html", context, status=status)


@require_GET
@map_errors
def thread_detail(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    """A thread with its replies (oldest first) and the reply form; ``?quote=<id>`` quotes."""
    # PostgreSQL: the group, thread, blocks and a kept replies page in one statement
    read = reads.thread_read(
        request.user, slug, thread_id, replies=(_page_number(request), REPLIES_PAGE_SIZE)
    )
    if read is not None:
        group, thread = read.group, read.thread
    else:
        group = access_readable_group_by_slug(request.user, slug)
        thread = access_thread(request.user, group, thread_id)
    quoted = None
    quote = parse_positive_int(request.GET.get("quote"), default=0, maximum=2**62)
    if quote and request.user.is_authenticated:
        try:
            quoted = access_reply(request.user, thread, quote)
        except NotFound:
            quoted = None  # a stale or foreign quote link: show the thread without it
    form = ReplyForm(initial={"quoted_id": quoted.pk} if quoted else {})
    form.quoted = quoted  # type: ignore[attr-defined]
    return _thread_page(request, group, thread, form, read=read)


@login_required
@require_POST
@map_errors
def reply_create(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    """Post a reply (active members; locked threads only for moderators)."""
    group = access_readable_group_by_slug(request.user, slug)
    thread = access_thread(request.user, group, thread_id)
    form = ReplyForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            reply = services.reply_create(
                actor=request.user,
                thread=thread,
                body=form.cleaned_data["body"],
                quoted_id=form.cleaned_data.get("quoted_id"),
                acknowledge_warnings=_ack(request),
            )
        except ApplicationError as exc:
            status = _form_error(form, exc)
        else:
            url = reverse("community:thread", args=[group.slug, thread.pk])
            last_page = max(1, (thread.reply_count - 1) // REPLIES_PAGE_SIZE + 1)
            return redirect(f"{url}?page={last_page}#reply-{reply.pk}")
    return _thread_page(request, group, thread, form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def thread_edit(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    """Edit a thread (its author)."""
    group = access_readable_group_by_slug(request.user, slug)
    thread = access_thread(request.user, group, thread_id)
    if not policies.can_edit_content(request.user, thread):
        raise Forbidden("Only the author can edit this thread.")
    status = 200
    if request.method == "POST":
        form = ThreadForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.thread_update(
                    actor=request.user,
                    thread=thread,
                    acknowledge_warnings=_ack(request),
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                return redirect("community:thread", group.slug, thread.pk)
    else:
        form = ThreadForm(initial={"title": thread.title, "body": thread.body})
    context = {**_group_context(request, group), "form": form, "thread": thread}
    return render(request, "community/thread_form.html", context, status=status)


@login_required
@require_POST
@map_errors
def thread_delete(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    """Delete a thread (its author)."""
    group = access_readable_group_by_slug(request.user, slug)
    thread = access_thread(request.user, group, thread_id)
    services.thread_delete(actor=request.user, thread=thread)
    messages.success(request, "Thread deleted.")
    return redirect("community:group", group.slug)


@login_required
@require_POST
@map_errors
def thread_flags(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    """Pin/unpin, lock/unlock (moderators): ``pinned`` / ``locked`` = "1" or "0"."""
    group = access_readable_group_by_slug(request.user, slug)
    thread = access_thread(request.user, group, thread_id)
    flags = {
        name: request.POST[name] == "1"
        for name in ("pinned", "locked")
        if request.POST.get(name) in ("0", "1")
    }
    services.thread_set_flags(actor=request.user, thread=thread, **flags)
    return redirect("community:thread", group.slug, thread.pk)


@login_required
@require_http_methods(["GET", "POST"])
@map_errors
def reply_edit(request: HttpRequest, slug: str, thread_id: int, reply_id: int) -> HttpResponse:
    """Edit a reply (its author)."""
    group = access_readable_group_by_slug(request.user, slug)
    thread = access_thread(request.user, group, thread_id)
    reply = access_reply(request.user, thread, reply_id)
    if not policies.can_edit_content(request.user, reply):
        raise Forbidden("Only the author can edit this reply.")
    status = 200
    if request.method == "POST":
        form = ReplyForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.reply_update(
                    actor=request.user,
                    reply=reply,
                    body=form.cleaned_data["body"],
                    acknowledge_warnings=_ack(request),
                )
            except ApplicationError as exc:
                status = _form_error(form, exc)
            else:
                url = reverse("community:thread", args=[group.slug, thread.pk])
                return redirect(f"{url}#reply-{reply.pk}")
    else:
        form = ReplyForm(initial={"body": reply.body})
    context = {**_group_context(request, group), "form": form, "thread": thread, "reply": reply}
    return render(request, "community/reply_form.html", context, status=status)


@login_required
@require_POST
@map_errors
def reply_delete(request: HttpRequest, slug: str, thread_id: int, reply_id: int) -> HttpResponse:
    """Delete a reply (its author)."""
    group = access_readable_group_by_slug(request.user, slug)
    thread = access_thread(request.user, group, thread_id)
    reply = access_reply(request.user, thread, reply_id)
    services.reply_delete(actor=request.user, reply=reply)
    messages.success(request, "Reply deleted.")
    return redirect("community:thread", group.slug, thread.pk)
