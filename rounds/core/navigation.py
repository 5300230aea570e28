"""The session's user and the navigation's row in one database round trip.

Every signed-in page reads the member's account (``AuthenticationMiddleware``) and then, while
rendering, their profile and three badge counts (``core.context_processors.site``): two
round trips, on every page. For page requests (GET/HEAD outside the API) the account is read
together with the navigation's row (``network.templatetags.network.USER_WITH_HEADER``) and the
row is kept until the page renders.

The counts must be those after the view's own writes (opening a conversation marks it read):
while a page request runs, any statement other than a SELECT marks the prefetched row stale,
and the context processor then asks again, as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse


@dataclass
class Prefetch:
    """This request's prefetched navigation row, and whether anything was written since."""

    wrote: bool = False
    rows: dict[int, Any] = field(default_factory=dict)  # user id -> (profile, counts)


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
