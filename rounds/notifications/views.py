"""HTML pages of notifications: the list (cursor-paginated, newest first), opening one
(marks it read and goes to its page), mark read, mark all read, email preferences, and the
signed unsubscribe link that works without signing in.

Thin: parse → ``access_*`` / selectors → one service → render. Every page is about
``request.user``; someone else's notification is a 404. htmx gets fragments (and the bell,
out of band, so its count follows); plain POSTs redirect back with a message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.safestring import SafeString
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, NotFound, ValidationFailed
from rounds.core.fragments import (
    cached_html_joined,
    render_for_cache,
    render_page,
    template_digest,
)
from rounds.core.htmx import is_htmx, render_page_or_fragment
from rounds.core.http import apply_service_errors, error_response, map_errors, require_valid_id
from rounds.core.timesince import since

from . import services
from .forms import MarkAllReadForm, PreferencesForm
from .models import KIND_GROUPS, Kind
from .selectors import (
    DEFAULT_PAGE_SIZE,
    notification_item_page_for,
    notification_page_prefetch,
    preference_rows_for,
)

LIST_TEMPLATE = "notifications/list.html"
PREFERENCES_TEMPLATE = "notifications/preferences.html"
UNSUBSCRIBE_TEMPLATE = "notifications/unsubscribe.html"


def _member_id(request: HttpRequest) -> int:
    """The signed-in member's id (views using this are behind ``login_required``)."""
    assert request.user.pk is not None
    return int(request.user.pk)


def _page_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_PAGE_SIZE", DEFAULT_PAGE_SIZE))


def _list_url(show: str) -> str:
    base = reverse("notifications:list")
    return f"{base}?show=unread" if show == "unread" else base


def _list_response(
    request: HttpRequest, *, show: str, cursor: str | None, status: int = 200, notice: str = ""
) -> HttpResponse:
    viewer = request.user
    try:
        page = notification_item_page_for(
            viewer=viewer, cursor=cursor, size=_page_size(), unread=show == "unread"
        )
    except ValidationFailed as exc:
        return error_response(request, 400, exc.message)
    return_to = request.get_full_path() if request.method == "GET" else _list_url(show)
    now = timezone.now()
    keyed = _item_keys(request, page.items, return_to, now)

    def context() -> dict[str, Any]:
        return {
            "page": page,
            "items_html": _items_html(request, page.items, return_to, keyed, now),
            "show": show,
            "notice": notice,
            "newest_id": page.items[0].pk if page.is_first and page.items else None,
            "return_to": return_to,
            "oob": is_htmx(request),
        }

    if status == 200 and not notice and not is_htmx(request):
        # The whole page per viewer under every item's key (``render_page``).
        return render_page(
            request,
            LIST_TEMPLATE,
            context,
            key_parts=(show, page.next_cursor, page.is_first, tuple(p for _, p in keyed)),
        )
    return render_page_or_fragment(
        request, LIST_TEMPLATE, fragment="results", context=context(), status=status
    )


_ITEM = "notifications/_item.html"
_ITEM_DIGEST = template_digest(_ITEM, extra=sorted(Kind.choices))


def _item_keys(
    request: HttpRequest, items: list[Any], return_to: str, now: datetime
) -> list[tuple[int, tuple[Any, ...]]]:
    """The cache key parts of each listed notification: the viewer, the page's address (the
    forms come back to it), the time zone and every value the item shows (read or not, who
    caused it by handle, name and photo, and "5 minutes ago"), so a read, a new notification
    or a rename makes a new key.

    "5 minutes ago" is ``timesince(created_at, now)``, which ignores seconds: for a given
    ``created_at`` it changes only when the whole minutes elapsed do (months and days end on
    whole minutes after ``created_at`` too), so the key holds those minutes and the phrase is
    worked out only for items rendered (~15 µs each)."""
    zone = timezone.get_current_timezone_name()
    keyed = []
    for index, item in enumerate(items):
        minutes = max(0, int((now - item.created_at).total_seconds() // 60))
        actor = item.actor
        profile = getattr(actor, "profile", None) if actor is not None else None
        face = (
            None
            if profile is None
            else (profile.handle, profile.display_name, profile.avatar.name or "")
        )
        parts = (
            "notification-item/3",
            _ITEM_DIGEST,
            request.user.pk,
            return_to,
            zone,
            item.pk,
            item.is_read,
            item.text,
            item.kind,
            item.created_at.timestamp(),
            minutes,
            face,
        )
        keyed.append((index, parts))
    return keyed


def _items_html(
    request: HttpRequest,
    items: list[Any],
    return_to: str,
    keyed: list[tuple[int, tuple[Any, ...]]],
    now: datetime,
) -> SafeString:
    """Each listed notification's HTML (``keyed`` from ``_item_keys``) from the per-viewer
    cache, rendered when missing."""

    def build(missing: list[Any]) -> dict[Any, str]:
        for i in missing:
            items[i].since = since(items[i].created_at, now)
        return {
            i: render_for_cache(_ITEM, {"notification": items[i], "return_to": return_to})
            for i in missing
        }

    return cached_html_joined(request, keyed, build)


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The member's notifications, newest first; ``?show=unread`` keeps the unread ones;
    ``?cursor=`` continues after the previous page (a malformed cursor is a 400)."""
    show = "unread" if request.GET.get("show") == "unread" else ""
    return _list_response(request, show=show, cursor=request.GET.get("cursor") or None)


class _FirstPagePrefetch:
    """The first page's rows, read with the account (the page size is read per request, as
    ``_page_size`` does)."""

    def __call__(self, request: HttpRequest, viewer_id: int, kwargs: Any) -> Any:
        return notification_page_prefetch(_page_size())(request, viewer_id, kwargs)


notification_list.navigation_prefetch = _FirstPagePrefetch()  # type: ignore[attr-defined]


@require_GET
@login_required
@map_errors
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go to its page (the list when it has none)."""
    target = services.notification_open(
        actor=request.user, notification_id=require_valid_id(notification_id)
    )
    return redirect(target or reverse("notifications:list"))


def _safe_return(request: HttpRequest) -> str:
    target = str(request.POST.get("next") or "")
    if (
        target
        and services.is_internal_url(target)
        and target.startswith(reverse("notifications:list"))
    ):
        return target
    return reverse("notifications:list")


@require_POST
@login_required
@map_errors
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read: htmx gets the updated item (and bell), a plain POST goes
    back to the list."""
    notification = services.notification_mark_read(
        actor=request.user, notification_id=require_valid_id(notification_id)
    )
    if is_htmx(request):
        response = render(
            request,
            "notifications/_item_response.html",
            {"notification": notification, "return_to": _safe_return(request), "oob": True},
        )
        patch_vary_headers(response, ("HX-Request",))
        return response
    messages.success(request, "Marked as read.")
    return redirect(_safe_return(request))


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification read (up to the newest the member saw)."""
    form = MarkAllReadForm(request.POST)
    if not form.is_valid():
        return error_response(request, 400, "This form was not sent as expected; reload the page.")
    marked = services.notifications_mark_all_read(
        actor=request.user, up_to_id=form.cleaned_data["up_to_id"]
    )
    show = form.cleaned_data["show"]
    notice = (
        f"Marked {marked} notification{'s' if marked != 1 else ''} as read."
        if marked
        else "Nothing left to mark as read."
    )
    if is_htmx(request):
        return _list_response(request, show=show, cursor=None, notice=notice)
    messages.success(request, notice)
    return redirect(_list_url(show))


# --- email preferences -----------------------------------------------------------------------


def _preferences_response(
    request: HttpRequest, form: PreferencesForm, *, status: int = 200, saved: bool = False
) -> HttpResponse:
    rows = {row.kind: row for row in form.rows}
    groups = [
        {
            "key": group.key,
            "title": group.title,
            "about": group.about,
            "rows": [
                {
                    "row": rows[kind],
                    "value": _submitted(form, kind, rows[kind].delivery),
                    "errors": form.errors.get(kind, []),
                }
                for kind, _ in group.kinds
            ],
        }
        for group in KIND_GROUPS
    ]
    context = {"form": form, "groups": groups, "saved": saved}
    return render_page_or_fragment(
        request, PREFERENCES_TEMPLATE, fragment="form", context=context, status=status
    )


def _submitted(form: PreferencesForm, kind: str, current: str) -> str:
    """What the radio group shows: the submitted value after an error, else the saved one."""
    if form.is_bound and form.errors:
        value = str(form.data.get(kind, current))[:20]
        return value
    return current


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Email delivery per kind of notification (right away, daily digest, or none)."""
    rows = preference_rows_for(user_id=_member_id(request))
    if request.method == "GET":
        return _preferences_response(request, PreferencesForm(rows=rows))
    form = PreferencesForm(request.POST, rows=rows)
    if form.is_valid():
        try:
            services.preferences_update(actor=request.user, changes=form.changes())
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            if not is_htmx(request):
                messages.success(request, "Your email choices are saved.")
                return redirect("notifications:preferences")
            fresh = PreferencesForm(rows=preference_rows_for(user_id=_member_id(request)))
            return _preferences_response(request, fresh, saved=True)
    return _preferences_response(request, form, status=422)


# --- one-click unsubscribe -------------------------------------------------------------------


@csrf_exempt  # the signed token is the authorisation; RFC 8058 clients send no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A signed unsubscribe link from an email, valid without signing in.

    GET shows what it would stop and asks to confirm (mail scanners follow links: a GET never
    changes anything). POST, including the RFC 8058 one-click POST with the body
    ``List-Unsubscribe=One-Click``, turns that email off. An altered or foreign token is a
    400; a token of an account that no longer exists, a 404.
    """
    try:
        if request.method == "POST":
            target = services.unsubscribe(token=token)
            state = "done"
        else:
            target = services.unsubscribe_target(token=token)
            state = "confirm"
    except ValidationFailed as exc:
        return _unsubscribe_page(request, {"state": "invalid", "message": exc.message}, 400)
    except NotFound as exc:
        return _unsubscribe_page(request, {"state": "invalid", "message": exc.message}, 404)
    return _unsubscribe_page(request, {"state": state, "target": target, "token": token}, 200)


def _unsubscribe_page(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    response = render(request, UNSUBSCRIBE_TEMPLATE, context, status=status)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response
