"""HTML pages of direct messages: the inbox (with requests and archived tabs), composing,
a conversation (earlier messages on demand, new ones by htmx polling), search, and the
actions on a conversation (send, mute, leave, accept or ignore a request, delete a message).

Thin: parse (forms, cursors) → resolve through ``access_conversation_by_id`` (404 for anyone
outside the conversation) → one service or selector → render. Every page works without
JavaScript: plain forms post and redirect back; htmx swaps fragments the same templates own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, Forbidden, NotFound, RateLimited
from rounds.core.fragments import (
    cached_html_joined,
    cached_html_many,
    render_for_cache,
    render_page,
    template_digest,
)
from rounds.core.htmx import is_htmx, render_page_or_fragment
from rounds.core.http import apply_service_errors, error_response, map_errors, require_valid_id
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged
from rounds.core.templatetags.ids import id_url_of
from rounds.core.views import with_error_headers
from rounds.profiles.access import access_profile_by_handle

from . import services
from .access import (
    MAX_ID,
    access_conversation_by_id,
    access_conversation_for_read,
    seat_prefetch,
)
from .forms import AddPeopleForm, ComposeForm, MessageForm, SearchForm, parse_handles
from .models import Conversation, Message, Participant
from .policies import (
    LEFT_REASON,
    can_add_people,
    can_answer_request,
    can_leave,
    has_left_rounds,
    read_only_reason,
)
from .selectors import (
    BOXES,
    InboxEntry,
    SeenMarker,
    blocked_among,
    connected_among,
    conversation_title,
    display_name_of,
    inbox_entries_for,
    message_rows_page,
    message_search_for,
    messages_page,
    others_of,
    request_count_of,
    request_count_prefetch,
    seat_rows_of,
    seats_of,
    seen_marker,
    system_line,
)

Status = Participant.Status
POLL_SECONDS = 5


# --- helpers ----------------------------------------------------------------------------------


def _cursor(request: HttpRequest, name: str) -> int | None:
    """A positive message-id cursor from the query string; None when absent. Junk raises
    ValueError (the caller answers 400)."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    value = int(raw) if raw.isdigit() and len(raw) <= 19 else 0
    if not 0 < value <= MAX_ID:
        raise ValueError(name)
    return value


def _retry_after(response: HttpResponse, error: ApplicationError | None) -> HttpResponse:
    """A rate-limited send (429) tells the browser when to try again, as ``map_errors`` does."""
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def _bad_cursor(request: HttpRequest) -> HttpResponse:
    return error_response(request, 400, "That page address is not valid. Start from the top.")


def _profile_of(user: Any) -> Any:
    return getattr(user, "profile", None) if user is not None else None


def _when(moment: Any, *, year: bool) -> tuple[str, str]:
    """(ISO time for ``datetime=``, "27 Nov 2026, 15:08" or "27 Nov, 15:08") in the current
    time zone: what the date filters "c" and "j M[ Y], H:i" write, without a filter call."""
    local = timezone.localtime(moment)
    day = f"{local.day} {MONTHS_3[local.month].title()}"
    return local.isoformat(), f"{day}{f' {local.year}' if year else ''}, {local:%H:%M}"


def _inbox_rows(entries: list[InboxEntry], viewer_id: int) -> list[dict[str, Any]]:
    """What the inbox shows of each conversation, prepared once (titles, faces, previews,
    links and times) so the template only prints."""
    rows = []
    for entry in entries:
        others = others_of(entry.seats, viewer_id)
        waiting = (
            entry.kind == Conversation.Kind.DIRECT
            and bool(others)
            and others[0].status in (Status.REQUEST, Status.IGNORED)
        )
        sender = next((s.user for s in entry.seats if s.user_id == entry.sender_id), None)
        subject = next((s.user for s in entry.seats if s.user_id == entry.subject_id), None)
        system = system_line(
            entry.message_kind,
            viewer_id=viewer_id,
            sender_id=entry.sender_id,
            sender_name=display_name_of(sender),
            subject_id=entry.subject_id,
            subject_name=display_name_of(subject),
        )
        iso, when = _when(entry.last_message_at, year=False)
        rows.append(
            {
                "url": id_url_of("messaging:conversation", entry.conversation_id),
                "is_group": entry.is_group,
                "muted": entry.muted,
                "iso": iso,
                "when": when,
                "title": conversation_title(entry.seats, viewer_id, direct=not entry.is_group),
                "faces": [o.user.profile for o in others if o.status != Status.LEFT][:3],
                "preview": system
                or ("This message was deleted." if entry.deleted else " ".join(entry.body.split())),
                "system": bool(system),
                "from_me": entry.sender_id == viewer_id,
                "sender_name": display_name_of(sender),
                "unread": entry.is_unread,
                "waiting": waiting,
            }
        )
    return rows


_INBOX_ROW = "messaging/_inbox_row.html"
_INBOX_ROW_DIGEST = template_digest(_INBOX_ROW)


def _face_key(profile: Any) -> tuple[Any, ...] | None:
    if profile is None:
        return None
    return (profile.handle, profile.display_name, profile.avatar.name if profile.avatar else "")


def _inbox_row_keys(
    request: HttpRequest, rows: list[dict[str, Any]], box: str
) -> list[tuple[int, tuple[Any, ...]]]:
    """Each inbox row's cache key parts: the viewer and every value the row shows (faces by
    handle, name and photo), so a new message, a read, a rename or a departure makes a new
    key."""
    viewer_id = request.user.pk
    items = []
    for index, row in enumerate(rows):
        values = tuple(
            tuple(_face_key(f) for f in value) if key == "faces" else value
            for key, value in sorted(row.items())
        )
        items.append((index, ("dm-inbox-row", _INBOX_ROW_DIGEST, viewer_id, box, values)))
    return items


def _inbox_row_html(
    request: HttpRequest,
    rows: list[dict[str, Any]],
    box: str,
    items: list[tuple[int, tuple[Any, ...]]],
) -> list[Any]:
    """Each inbox row's HTML (``items`` from ``_inbox_row_keys``) from the per-viewer cache,
    rendered when missing."""

    def build(missing: list[Any]) -> dict[Any, str]:
        return {i: render_for_cache(_INBOX_ROW, {"row": rows[i], "box": box}) for i in missing}

    return cached_html_many(request, items, build)


def _fragment(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- the inbox --------------------------------------------------------------------------------


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The member's conversations, newest activity first: the inbox, message requests
    waiting for an answer, or archived ones (``box``); ``before`` continues the list."""
    box = request.GET.get("box") or "inbox"
    if box not in BOXES:
        return error_response(request, 400, "Choose the inbox, requests or archived.")
    try:
        before = _cursor(request, "before")
    except ValueError:
        return _bad_cursor(request)
    viewer: Any = request.user
    page = inbox_entries_for(viewer=viewer, box=box, before=before)
    requests_waiting = request_count_of(viewer=viewer)
    rows = _inbox_rows(page.items, viewer.pk)
    keys = _inbox_row_keys(request, rows, box)

    def context() -> dict[str, Any]:
        for row, html in zip(rows, _inbox_row_html(request, rows, box, keys), strict=True):
            row["html"] = html
        return {
            "box": box,
            "page": page,
            "rows": rows,
            "before": before,
            "requests_waiting": requests_waiting,
        }

    return render_page(
        request,
        "messaging/inbox.html",
        context,
        key_parts=(
            requests_waiting,
            page.has_more,
            page.next_cursor,
            tuple(parts for _, parts in keys),
        ),
        fragment="list",
    )


# The requests count is read with the account (``core.navigation``).
inbox.navigation_prefetch = request_count_prefetch  # type: ignore[attr-defined]


# --- composing --------------------------------------------------------------------------------


def _recipients(viewer: Any, handles: list[str]) -> list[Any]:
    """The profiles at ``handles`` the viewer may see; NotFound names the first unknown one."""
    found = []
    for handle in handles:
        try:
            found.append(access_profile_by_handle(viewer, handle))
        except NotFound as exc:
            raise NotFound(f"No member with the handle “{handle[:60]}”.") from exc
    return found


def _existing_direct(viewer: Any, profile: Any) -> int | None:
    """The id of the viewer's conversation with ``profile``'s member, if there is one."""
    seat = (
        Participant.objects.filter(
            user=viewer,
            conversation__kind=Conversation.Kind.DIRECT,
            conversation__participants__user_id=profile.user_id,
        )
        .values_list("conversation_id", flat=True)
        .first()
    )
    return seat


@require_http_methods(["GET", "POST"])
@login_required
def compose(request: HttpRequest) -> HttpResponse:
    """GET: the form (``?to=handle`` fills it in; the conversation you already have with that
    member opens instead). POST: start the conversation and open it."""
    viewer = request.user
    status = 200
    error: ApplicationError | None = None
    raw_to = (request.POST if request.method == "POST" else request.GET).get("to", "")[:5000]
    handles = parse_handles(raw_to)
    first = handles[0] if len(handles) == 1 else ""
    if request.method == "GET":
        form = ComposeForm(initial={"to": ", ".join(handles)}, to_handle=first)
        if first:
            try:
                profile = access_profile_by_handle(viewer, first)
            except NotFound:
                profile = None
            if profile is not None and profile.user_id != viewer.pk:
                existing = _existing_direct(viewer, profile)
                if existing is not None:
                    return redirect("messaging:conversation", conversation_id=existing)
    else:
        form = ComposeForm(request.POST, to_handle=first)
        status = 422
        if form.is_valid():
            try:
                recipients = _recipients(viewer, form.cleaned_data["to"])
                message = services.conversation_start(
                    actor=viewer,
                    recipients=[p.user for p in recipients],
                    body=form.cleaned_data["body"],
                    acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
                )
            except NotFound as exc:  # unknown, gone, or blocked you: all look the same
                form.add_error("to", exc.message)
                status = 422
            except Forbidden as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status, error = exc.status_code, exc
            else:
                return redirect(
                    reverse("messaging:conversation", args=[message.conversation_id]) + "#latest"
                )
    context = {"form": form, **_compose_recipients(viewer, handles)}
    return _retry_after(render(request, "messaging/compose.html", context, status=status), error)


def _compose_recipients(viewer: Any, handles: list[str]) -> dict[str, Any]:
    """Who the draft is addressed to, for the page: their cards and what will happen (request
    to a stranger, a group of connections, a block)."""
    profiles = []
    for handle in handles[:19]:
        try:
            profiles.append(access_profile_by_handle(viewer, handle))
        except NotFound:
            continue
    others = [p for p in profiles if p.user_id != viewer.pk]
    ids = [p.user_id for p in others]
    connected = connected_among(viewer.pk, ids)
    blocked = blocked_among(viewer.pk, ids)
    return {
        "recipients": others,
        "strangers": [p for p in others if p.user_id not in connected],
        "blocked_recipients": [p for p in others if p.user_id in blocked],
        "is_group": len(others) > 1,
    }


# --- a conversation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageItem:
    """One message as a conversation shows it (``_message.html``), prepared in Python once:
    a page of 30 messages then renders no Markdown (``Message.html`` is stored), formats no
    dates and reverses no URLs per message."""

    pk: int
    mine: bool
    sender_name: str
    iso: str
    when: str
    is_deleted: bool
    html: SafeString
    delete_url: str
    #: A system line's text ("Ana Ruiz added Chen Li"); empty for a member's message.
    system: str = ""


#: Stands for the message id in the delete URL reversed once per page.
_ID_SLOT = 987654321987654321


def message_items(
    messages: Iterable[Message],
    *,
    viewer_id: int,
    conversation_id: int,
    names: Mapping[int, str] | None = None,
) -> list[MessageItem]:
    """``messages`` for the page. Sender names come from ``names`` (user id → name, from the
    participants already loaded) or else from each message's ``sender.profile``."""
    slot = str(_ID_SLOT)
    delete_url = reverse("messaging:delete_message", args=[conversation_id, _ID_SLOT])
    items = []
    for message in messages:
        iso, when = _when(message.created_at, year=True)
        if names is None:
            name = display_name_of(message.sender)
        else:
            name = names.get(message.sender_id or 0) or display_name_of(None)
        system = ""
        if message.is_system:
            subject = (
                display_name_of(message.subject)
                if names is None
                else names.get(message.subject_id or 0) or display_name_of(None)
            )
            system = system_line(
                message.kind,
                viewer_id=viewer_id,
                sender_id=message.sender_id,
                sender_name=name,
                subject_id=message.subject_id,
                subject_name=subject,
            )
        items.append(
            MessageItem(
                pk=message.pk,
                mine=message.sender_id == viewer_id,
                sender_name=name,
                iso=iso,
                when=when,
                is_deleted=message.is_deleted,
                html=SafeString("") if message.is_deleted else message.html,
                delete_url=delete_url.replace(slot, str(message.pk)),
                system=system,
            )
        )
    return items


_MESSAGE = "messaging/_message.html"
_MESSAGE_DIGEST = template_digest(_MESSAGE, "moderation/_report_link.html")


def message_keys(
    request: HttpRequest,
    messages: list[Any],
    *,
    conversation_id: int,
    is_group: bool,
    names: Mapping[int, str] | None = None,
    seen: SeenMarker | None = None,
) -> list[tuple[int, tuple[Any, ...]]]:
    """Each message's cache key parts (``messages_html``): the viewer and everything the
    message shows (its text, kind, sender's and subject's names, its time and the viewer's
    time zone, deleted or not, the "Seen" marker under it)."""
    viewer_id: int = request.user.pk  # type: ignore[assignment]  # behind login_required
    zone = timezone.get_current_timezone_name()

    def name_of(user_id: int | None, user: Any) -> str:
        if names is None:
            return display_name_of(user)
        return names.get(user_id or 0) or display_name_of(None)

    keyed = []
    for index, message in enumerate(messages):
        marker = (
            (tuple(seen.names), is_group)
            if seen is not None and seen.message_id == message.pk
            else None
        )
        system = message.is_system
        keyed.append(
            (
                index,
                (
                    "dm-message/1",
                    _MESSAGE_DIGEST,
                    viewer_id,
                    conversation_id,
                    message.pk,
                    message.sender_id,
                    name_of(message.sender_id, None if names is not None else message.sender),
                    message.kind,
                    message.subject_id,
                    name_of(message.subject_id, None if names is not None else message.subject)
                    if system
                    else None,
                    message.deleted_at is not None,
                    "" if message.deleted_at is not None else str(message.html),
                    message.created_at.timestamp(),
                    zone,
                    marker,
                ),
            )
        )
    return keyed


def messages_html(
    request: HttpRequest,
    messages: list[Any],
    *,
    conversation_id: int,
    is_group: bool,
    names: Mapping[int, str] | None = None,
    seen: SeenMarker | None = None,
    keyed: list[tuple[int, tuple[Any, ...]]] | None = None,
) -> SafeString:
    """The messages' HTML (``_message.html`` of ``message_items``) from the per-viewer cache,
    rendered when missing, under ``message_keys`` (``keyed`` when the caller has them), so a
    deletion, a rename, a departure or a new reader makes a new key. ``names`` as for
    ``message_items``."""
    viewer_id: int = request.user.pk  # type: ignore[assignment]  # behind login_required
    if keyed is None:
        keyed = message_keys(
            request,
            messages,
            conversation_id=conversation_id,
            is_group=is_group,
            names=names,
            seen=seen,
        )

    def build(missing: list[Any]) -> dict[Any, str]:
        conversation = {"is_group": is_group}
        items = message_items(
            [messages[i] for i in missing],
            viewer_id=viewer_id,
            conversation_id=conversation_id,
            names=names,
        )
        return {
            i: render_for_cache(
                _MESSAGE, {"message": item, "seen": seen, "conversation": conversation}
            )
            for i, item in zip(missing, items, strict=True)
        }

    return cached_html_joined(request, keyed, build)


_COMPOSER_DIGEST = template_digest(
    "messaging/conversation.html", "guard/_slot.html", "guard/_publish_anyway.html"
)
_FORMS_DIGEST = hashlib.sha256(Path(__file__).with_name("forms.py").read_bytes()).hexdigest()[:12]


def composer_html(request: HttpRequest, conversation: Any, other_handle: str) -> SafeString:
    """The empty composer of a conversation (its form rendered by Django's form machinery,
    the costliest part of the page), from the cache: it shows nothing but the conversation's
    address and the handle the guard is told about, both in the key, with the code that
    renders it."""
    key = ("dm-composer/1", _COMPOSER_DIGEST, _FORMS_DIGEST, conversation.pk, other_handle)

    def build(missing: list[Any]) -> dict[Any, str]:
        context = {
            "conversation": conversation,
            "form": MessageForm(to_handle=other_handle),
        }
        return {0: render_for_cache("messaging/conversation.html#composer", context)}

    return cached_html_joined(request, [(0, key)], build)


def _conversation_context(
    request: HttpRequest,
    seat: Participant,
    page: Any,
    *,
    before: int | None,
    form: MessageForm | None = None,
) -> dict[str, Any]:
    """Everything the conversation page shows; ``page`` may come without senders (they are
    named from the participants loaded here)."""
    viewer: Any = request.user
    conversation = seat.conversation
    # every participant with their names, whether a block stands between them and the
    # viewer, and whether the viewer is connected to them: one compiled query
    seats = seat_rows_of([conversation.pk], viewer_id=viewer.pk)[conversation.pk]
    others = others_of(seats, viewer.pk)
    blocked_ids = {s.user_id for s in seats if s.blocked}
    connected_ids = {s.user_id for s in seats if s.connected}
    first_other = others[0] if others else None
    reason = read_only_reason(
        seat=seat,
        conversation=conversation,
        others=others,
        blocked_ids=blocked_ids,
        connected_ids=connected_ids,
        other_name=display_name_of(first_other.user) if first_other else "them",
    )
    other_handle = ""
    if (
        not conversation.is_group
        and first_other is not None
        and not has_left_rounds(first_other.user)
    ):
        profile = _profile_of(first_other.user)
        other_handle = profile.handle if profile is not None else ""
    items = page.items
    latest = before is None
    seen = seen_marker(seats, viewer.pk, items, blocked_ids=blocked_ids) if latest else None
    names = {s.user_id: display_name_of(s.user) for s in seats}
    keyed = message_keys(
        request,
        items,
        conversation_id=conversation.pk,
        is_group=conversation.is_group,
        names=names,
        seen=seen,
    )
    shows_composer = form is None and not reason and not can_answer_request(seat)

    # The two costliest parts are rendered when the template reaches them (a template calls
    # a callable), so a page rendered for the page cache keeps their CSRF placeholders.
    @cache
    def items_html() -> SafeString:
        return messages_html(
            request,
            items,
            conversation_id=conversation.pk,
            is_group=conversation.is_group,
            names=names,
            seen=seen,
            keyed=keyed,
        )

    @cache
    def composer() -> SafeString | None:
        return composer_html(request, conversation, other_handle) if shows_composer else None

    return {
        "seat": seat,
        "conversation": conversation,
        "title": conversation_title(seats, viewer.pk, direct=not conversation.is_group),
        "present": [o for o in others if o.status != Status.LEFT and not has_left_rounds(o.user)],
        "departed": [o for o in others if o.status == Status.LEFT],
        "left_rounds": [o for o in others if o.status != Status.LEFT and has_left_rounds(o.user)],
        "blocked_ids": blocked_ids,
        "items": items,
        "items_html": items_html,
        "message_keys": keyed,
        "page": page,
        "before": before,
        "is_latest": latest,
        "last_id": items[-1].pk if items else (seat.history_end_id or 0),
        "read_only_reason": reason,
        "form": form or MessageForm(to_handle=other_handle),
        "composer_html": composer,
        "shows_composer": shows_composer,
        "seen": seen,
        "can_leave": can_leave(seat, conversation),
        "can_add_people": can_add_people(seat, conversation),
        "can_answer": can_answer_request(seat),
        "poll_seconds": POLL_SECONDS,
        "other_handle": other_handle,
    }


@require_GET
@login_required
@map_errors
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A conversation: its newest messages (``before`` pages back), the composer or why it is
    read-only, members, mute and leave. Opening the newest page marks it read."""
    seat = access_conversation_for_read(request.user, require_valid_id(conversation_id))
    try:
        before = _cursor(request, "before")
    except ValueError:
        return _bad_cursor(request)
    page = message_rows_page(seat=seat, before=before, senders=False)
    if before is None:
        services.conversation_mark_read(
            actor=request.user, conversation_id=seat.conversation_id, seat=seat
        )
    context = _conversation_context(request, seat, page, before=before)
    if is_htmx(request) and before is not None:
        return _fragment(request, "messaging/conversation.html#earlier", context)
    # The whole page per viewer (``render_page``), under everything it shows.
    return render_page(
        request,
        "messaging/conversation.html",
        lambda: context,
        key_parts=_conversation_key(context),
    )


def _member_key(user: Any) -> tuple[Any, ...] | None:
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    face = None
    if profile is not None:
        avatar = getattr(profile, "avatar", None)
        face = (
            profile.handle,
            profile.display_name,
            getattr(profile, "headline", ""),
            avatar.name if avatar else "",
        )
    return (user.pk, user.is_active, getattr(user, "deletion_scheduled", False), face)


def _conversation_key(context: dict[str, Any]) -> tuple[Any, ...]:
    """The conversation page's cache key parts: the viewer's seat and the conversation (every
    column), each other participant as shown (status, read marker, name, handle and photo,
    active or leaving, blocked either way, connected), what the page says of them (title,
    read-only reason, rights), its paging and its messages' keys (``message_keys``: each
    message's text, names, time, deletion and "Seen" marker)."""
    seat, conversation, page = context["seat"], context["conversation"], context["page"]
    seats = tuple(
        (
            other.user_id,
            other.status,
            other.last_read_message_id,
            _member_key(other.user),
            other.blocked,
            other.connected,
        )
        for group in ("present", "departed", "left_rounds")
        for other in context[group]
    )
    return (
        "dm-conversation/1",
        tuple(getattr(seat, f.attname) for f in Participant._meta.concrete_fields),
        tuple(getattr(conversation, f.attname) for f in Conversation._meta.concrete_fields),
        seats,
        context["title"],
        context["other_handle"],
        context["read_only_reason"],
        context["can_leave"],
        context["can_add_people"],
        context["can_answer"],
        context["is_latest"],
        bool(context["items"]),
        page.has_more,
        page.next_cursor,
        context["last_id"],
        context["poll_seconds"],
        tuple(parts for _, parts in context["message_keys"]),
        context["shows_composer"],
    )


# The viewer's seat is read with the account (``core.navigation``).
conversation.navigation_prefetch = seat_prefetch  # type: ignore[attr-defined]


@require_GET
@login_required
@map_errors
def poll(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Messages after ``after`` (htmx polls this every few seconds): the new messages and the
    next poller, or 204 No Content when nothing is new (one indexed query)."""
    seat = access_conversation_for_read(request.user, require_valid_id(conversation_id))
    try:
        after = _cursor(request, "after")
    except ValueError:
        return _bad_cursor(request)
    if after is None:
        return error_response(request, 400, "Say after which message to look.")
    page = message_rows_page(seat=seat, after=after)
    if not page.items:
        response = HttpResponse(status=204)
        patch_vary_headers(response, ("HX-Request",))
        return response
    services.conversation_mark_read(
        actor=request.user, conversation_id=seat.conversation_id, seat=seat
    )
    context = {
        "seat": seat,
        "conversation": seat.conversation,
        "items": page.items,
        "items_html": messages_html(
            request,
            page.items,
            conversation_id=seat.conversation_id,
            is_group=seat.conversation.is_group,
        ),
        "last_id": page.next_cursor,
        "poll_seconds": POLL_SECONDS,
        "is_latest": True,
        "blocked_ids": set(),
    }
    return _fragment(request, "messaging/conversation.html#new-messages", context)


@require_POST
@login_required
@map_errors
def send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Send a reply. htmx gets a fresh composer (and the poller fetches the message at once);
    a plain POST redirects to the conversation. Errors come back on the composer (4xx)."""
    seat = access_conversation_by_id(request.user, require_valid_id(conversation_id))
    form = MessageForm(request.POST)
    status = 422
    error: ApplicationError | None = None
    refused: Forbidden | None = None
    if form.is_valid():
        try:
            services.message_send(
                actor=request.user,
                conversation_id=seat.conversation_id,
                body=form.cleaned_data["body"],
                acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
            )
        except Forbidden as exc:  # read-only: say why (the other member left Rounds, …)
            form.add_error(None, exc.message)
            status, refused = 403, exc
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status, error = exc.status_code, exc
        else:
            url = reverse("messaging:conversation", args=[seat.conversation_id])
            if not is_htmx(request):
                return redirect(url + "#latest")
            context = {"conversation": seat.conversation, "form": MessageForm(), "sent": True}
            response = _fragment(request, "messaging/conversation.html#composer", context)
            response["HX-Trigger"] = "dm-sent"
            return response
    if is_htmx(request):
        context = {"conversation": seat.conversation, "form": form}
        response = _fragment(
            request, "messaging/conversation.html#composer", context, status=status
        )
        # htmx does not swap a 403 composer: the alert box shows why (and the link)
        return with_error_headers(request, _retry_after(response, error), refused)
    page = messages_page(seat=seat, senders=False)
    context = _conversation_context(request, seat, page, before=None, form=form)
    response = render(request, "messaging/conversation.html", context, status=status)
    return _retry_after(response, error)


def _back(request: HttpRequest, conversation_id: int, message: str) -> HttpResponse:
    flash.success(request, message)
    return redirect("messaging:conversation", conversation_id=conversation_id)


@require_POST
@login_required
@map_errors
def mute(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Mute (``muted=1``) or unmute (``muted=0``) a conversation."""
    require_valid_id(conversation_id)
    value = request.POST.get("muted", "1")
    if value not in {"0", "1"}:
        return error_response(request, 400, "Choose mute or unmute.")
    seat = services.conversation_set_muted(
        actor=request.user, conversation_id=conversation_id, muted=value == "1"
    )
    if seat.muted:
        return _back(request, conversation_id, "Muted: you will not be notified of new messages.")
    return _back(request, conversation_id, "Unmuted: you will be notified of new messages.")


@require_POST
@login_required
@map_errors
def leave(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Leave a group, or archive a one-to-one conversation."""
    require_valid_id(conversation_id)
    seat = services.conversation_leave(actor=request.user, conversation_id=conversation_id)
    if seat.conversation.is_group:
        flash.success(
            request, "You left the conversation. You will not see what is said from now on."
        )
    else:
        flash.success(request, "Archived. It comes back to your inbox with the next message.")
    return redirect("messaging:inbox")


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def add_people(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """GET: the form to add people to a group conversation. POST: add them (the same rules as
    starting a group) and go back to the conversation. A one-to-one conversation is a 409."""
    viewer: Any = request.user
    seat = access_conversation_by_id(viewer, require_valid_id(conversation_id))
    conversation = seat.conversation
    if not conversation.is_group:
        return error_response(request, 409, services.DIRECT_CANNOT_GROW)
    if not can_add_people(seat, conversation):
        return error_response(request, 403, LEFT_REASON)
    status = 200
    error: ApplicationError | None = None
    if request.method == "POST":
        form = AddPeopleForm(request.POST)
        status = 422
        if form.is_valid():
            handles = form.cleaned_data["to"]
            try:
                people = [p.user for p in _recipients(viewer, handles)]
                services.conversation_add_people(
                    actor=viewer, conversation_id=conversation.pk, people=people
                )
            except NotFound as exc:  # unknown, gone, or blocked you: all look the same
                form.add_error("to", exc.message)
            except Forbidden as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status, error = exc.status_code, exc
            else:
                names = ", ".join(display_name_of(p) for p in people)
                return _back(request, conversation.pk, f"Added {names} to the conversation.")
    else:
        form = AddPeopleForm()
    seats = seats_of(conversation.pk)
    context = {
        "conversation": conversation,
        "form": form,
        "title": conversation_title(seats, viewer.pk),
        "present": [
            s.user
            for s in others_of(seats, viewer.pk)
            if s.status != Status.LEFT and not has_left_rounds(s.user)
        ],
    }
    response = render(request, "messaging/add_people.html", context, status=status)
    return _retry_after(response, error)


@require_POST
@login_required
@map_errors
def accept(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Accept a message request: it moves to the inbox and you can reply."""
    require_valid_id(conversation_id)
    services.conversation_request_accept(actor=request.user, conversation_id=conversation_id)
    return _back(request, conversation_id, "Request accepted. You can reply now.")


@require_POST
@login_required
@map_errors
def ignore(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Ignore a message request. The sender is not told."""
    require_valid_id(conversation_id)
    services.conversation_request_ignore(actor=request.user, conversation_id=conversation_id)
    flash.success(request, "Request ignored. The sender is not told and cannot write again.")
    return redirect(reverse("messaging:inbox") + "?box=requests")


@require_POST
@login_required
@map_errors
def delete_message(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """Delete one of your own messages (its text is erased for everyone)."""
    require_valid_id(conversation_id)
    require_valid_id(message_id)
    message = services.message_delete(
        actor=request.user, conversation_id=conversation_id, message_id=message_id
    )
    if is_htmx(request):
        seat = access_conversation_by_id(request.user, conversation_id)
        item = message_items([message], viewer_id=seat.user_id, conversation_id=conversation_id)
        context = {"message": item[0], "seat": seat, "blocked_ids": set()}
        return _fragment(request, "messaging/_message.html", context)
    return _back(request, conversation_id, "Message deleted.")


# --- search -----------------------------------------------------------------------------------


@require_GET
@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search the messages you can read, newest first (``before`` continues)."""
    viewer: Any = request.user
    form = SearchForm(request.GET or None)
    status = 200
    page = None
    hits: list[dict[str, Any]] = []
    try:
        before = _cursor(request, "before")
    except ValueError:
        return _bad_cursor(request)
    if request.GET:
        if form.is_valid():
            page = message_search_for(viewer=viewer, q=form.cleaned_data["q"], before=before)
            for message in page.items:
                url = reverse("messaging:conversation", args=[message.conversation_id])
                hits.append(
                    {
                        "message": message,
                        "title": conversation_title(
                            getattr(message.conversation, "seats", []),
                            viewer.pk,
                            direct=not message.conversation.is_group,
                        ),
                        "from_me": message.sender_id == viewer.pk,
                        "sender_name": display_name_of(message.sender),
                        "text": " ".join(message.body.split()),
                        "url": f"{url}?before={message.pk + 1}#m{message.pk}",
                    }
                )
        else:
            status = 400
    context = {"form": form, "page": page, "hits": hits, "before": before}
    return render_page_or_fragment(
        request, "messaging/search.html", fragment="results", context=context, status=status
    )
