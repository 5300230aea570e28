"""The session's user and the navigation's row in one database round trip.

Every signed-in page reads the member's account (``AuthenticationMiddleware``) and then, while
rendering, their profile and three badge counts (``core.context_processors.site``): two
round trips, on every page. For page requests (GET/HEAD outside the API) the account is read
together with the navigation's row (``network.templatetags.network.USER_WITH_HEADER``) and the
row is kept until the page renders.

The counts must be those after the view's own writes (opening a conversation marks it read):
while a page request runs, any statement other than a SELECT marks the prefetched row stale,
and the context processor then asks again, as it always did.

A view may also name the one compiled query its page starts with (``navigation_prefetch``, a
function of the request, the viewer's id and the URL's arguments giving ``(query, values)`` or
None, set on the view function): it is then read in the same round trip as the account
(``core.compiled.rows_together``), and the view takes its rows with ``prefetched_rows``. That
needs the account to be read after the view is known, so nothing may touch ``request.user``
before the views' middleware hooks (``MemberTimeZoneMiddleware`` sets the zone there).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty


@dataclass
class Prefetch:
    """This request's prefetched navigation row, and whether anything was written since."""

    wrote: bool = False
    rows: dict[int, Any] = field(default_factory=dict)  # user id -> (profile, counts)
    #: The view's own query to read with the account: (user id, query, values).
    extra: tuple[int, Any, dict[str, Any]] | None = None
    #: Its rows once read (None: not read with the account).
    extra_rows: list[tuple[Any, ...]] | None = None


_CURRENT: ContextVar[Prefetch | None] = ContextVar("navigation_prefetch", default=None)


def current() -> Prefetch | None:
    """The running page request's prefetch state (None outside page requests)."""
    return _CURRENT.get()


def prefetched(user_id: int) -> Any:
    """``(profile, (pending, conversations, notifications))`` read with the account, or None
    when there is none or something was written since."""
    state = _CURRENT.get()
    if state is None or state.wrote:
        return None
    return state.rows.get(user_id)


def prefetched_rows(query: Any, **values: Any) -> list[tuple[Any, ...]] | None:
    """The rows of the view's ``navigation_prefetch`` query if it was read with the account
    for these ``values`` (a value named ``now`` may differ: it was read a moment ago) and
    nothing was written since; None otherwise (the view runs the query itself)."""
    state = _CURRENT.get()
    if state is None or state.wrote or state.extra is None or state.extra_rows is None:
        return None
    _, extra_query, extra_values = state.extra
    if extra_query is not query or set(extra_values) != set(values):
        return None
    if any(extra_values[k] != v for k, v in values.items() if k != "now"):
        return None
    return state.extra_rows


def pending_extra(user_id: int) -> tuple[Any, dict[str, Any]] | None:
    """The view's query to read with account ``user_id`` (``user_with_header``)."""
    state = _CURRENT.get()
    if state is None or state.extra is None or state.extra[0] != user_id:
        return None
    return state.extra[1], state.extra[2]


def keep_extra_rows(rows: list[tuple[Any, ...]] | None) -> None:
    state = _CURRENT.get()
    if state is not None:
        state.extra_rows = rows


class NavigationPrefetchMiddleware:
    """Marks page requests for the combined read (place it before ``AuthenticationMiddleware``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.path.startswith("/api/"):
            return self.get_response(request)
        state = Prefetch()
        token = _CURRENT.set(state)

        def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if not state.wrote and not sql.lstrip()[:6].upper().startswith("SELECT"):
                state.wrote = True
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(watch):
                return self.get_response(request)
        finally:
            _CURRENT.reset(token)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> None:
        """Register the view's ``navigation_prefetch`` query while the account is unread."""
        plan = getattr(view, "navigation_prefetch", None)
        state = _CURRENT.get()
        if plan is None or state is None:
            return None
        user = request.__dict__.get("user")
        if user is None or getattr(user, "_wrapped", None) is not empty:
            return None  # no account yet to read, or already read
        claimed = getattr(request.session, "claimed_member_id", None)
        if claimed is not None:  # ``rounds.accounts.sessions``: named by the key, read later
            user_id = claimed() or 0
        else:
            from django.contrib.auth import SESSION_KEY

            try:
                user_id = int(request.session.get(SESSION_KEY) or 0)
            except (TypeError, ValueError):
                return None
        if user_id <= 0:
            return None
        planned = plan(request, user_id, kwargs)
        if planned is not None:
            state.extra = (user_id, *planned)
        return None
