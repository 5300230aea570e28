from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database work: this is the benchmark floor."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database (and Redis, when configured) answer."""
    checks: dict[str, str] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
        ok = False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            ).ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
            ok = False
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )


def _error_page(
    request: HttpRequest,
    status: int,
    title: str,
    message: str,
    *,
    link_url: str = "",
    link_label: str = "",
) -> HttpResponse:
    from django.template.loader import render_to_string

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=status)
    html: str
    context = {
        "status": status,
        "title": title,
        "message": message,
        "link_url": link_url,
        "link_label": link_label,
    }
    try:
        html = render_to_string("errors/error.html", context, request)
    except Exception:  # the error page must never fail itself
        html = f"<h1>{title}</h1><p>{message}</p>"
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "Bad request", "We could not understand that request.")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page. A service's ``Forbidden`` (re-raised by ``map_errors``) shows its own
    message and link (e.g. "Your account is scheduled for deletion…" → Settings)."""
    from .errors import Forbidden

    cause = getattr(exception, "__cause__", None)
    if not isinstance(cause, Forbidden):
        return _error_page(request, 403, "Not allowed", "You are not allowed to do that.")
    response = _error_page(
        request,
        403,
        "Not allowed",
        cause.message,
        link_url=cause.link_url,
        link_label=cause.link_label,
    )
    return with_error_headers(request, response, cause)


def with_error_headers(request: HttpRequest, response: HttpResponse, cause: Any) -> HttpResponse:
    """htmx does not swap a 403: for an htmx request, put the ``Forbidden``'s message (and
    link) in headers that rounds.js shows in the page's alert box."""
    if cause is None or not request.headers.get("HX-Request") or not cause.message.isascii():
        return response
    response["X-Rounds-Error"] = cause.message
    if cause.link_url and cause.link_label.isascii():
        response["X-Rounds-Error-Link"] = cause.link_url
        response["X-Rounds-Error-Link-Label"] = cause.link_label
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "Not found", "There is nothing here, or you may not see it.")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(
        request, 500, "Something went wrong", "We have been told; please try again shortly."
    )


#: A form field name the guard preview may read the draft from.
_GUARD_FIELD_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Longest draft the preview checks (longer than any text Rounds publishes).
MAX_PREVIEW_LENGTH = 20_000


@require_POST
@never_cache
def guard_preview(request: HttpRequest) -> HttpResponse:
    """The professionalism guard's report on a draft, as the fragment shown under the field
    while the member composes (htmx posts the form, debounced). Checks only: nothing is
    written or counted, and the draft is not logged.

    ``guard_kind`` is the kind of text, ``guard_field`` the form field holding the draft,
    ``guard_to`` (optional) the handle of the member it is addressed to.
    """
    from rounds.core.publishing import GuardDisplay
    from rounds.core.publishing import guard_preview as preview
    from rounds.guard import KINDS

    if not request.user.is_authenticated:
        return HttpResponse("Sign in to check a draft.", status=403, content_type="text/plain")
    kind = request.POST.get("guard_kind", "")
    field = request.POST.get("guard_field", "")
    if kind not in KINDS or not _GUARD_FIELD_RE.match(field):
        return HttpResponse("Unknown kind or field.", status=400, content_type="text/plain")
    text = request.POST.get(field, "").strip()
    if len(text) > MAX_PREVIEW_LENGTH:
        return HttpResponse(
            "That draft is too long to check.", status=400, content_type="text/plain"
        )
    report = preview(
        actor=request.user,
        kind=kind,
        text=text,
        colleague_names=_addressee_names(request.user, request.POST.get("guard_to", "")),
    )
    display = GuardDisplay(field=field, kind=kind, text=text, report=report)
    return render(request, "guard/_report.html", {"guard": display})


def _addressee_names(viewer: object, handle: str) -> list[str]:
    """The display name of the member at ``handle`` if the viewer may see them."""
    from rounds.core.errors import NotFound
    from rounds.profiles.access import access_profile_by_handle

    if not handle:
        return []
    try:
        return [access_profile_by_handle(viewer, handle[:220]).display_name]
    except NotFound:
        return []
