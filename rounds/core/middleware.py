from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone


class RequestSizeMiddleware:
    """Refuse request bodies larger than ``MAX_REQUEST_BODY_BYTES`` with 413 before reading them.

    Django's own limits raise deep inside form parsing; answering here keeps huge uploads from
    being streamed to disk and gives one clear message to pages and API alike.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            message = f"Request too large: the limit is {limit // (1024 * 1024)} MB."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "errors": {}}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


@lru_cache(maxsize=512)
def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone ``name``, or None when it is empty or unknown (never raises)."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class MemberTimeZoneMiddleware:
    """Show times in the signed-in member's zone (``User.time_zone``; UTC when unset).

    Reads only the user the session already loads; API responses stay in UTC (ISO 8601 with
    offset) whatever the zone. The zone is set once the view is known (``process_view``), not
    before: reading the account first would keep ``core.navigation`` from reading the view's
    first query in the same round trip."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        user = getattr(request, "user", None)
        zone = zone_named(getattr(user, "time_zone", "")) if user is not None else None
        if zone is not None:
            timezone.activate(zone)
        return None
