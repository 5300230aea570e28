"""The JSON API: one NinjaAPI at /api/v1/, routers per app, errors mapped once.

Authentication: the browser session (CSRF checked on unsafe methods) or a personal access
token sent as ``Authorization: Bearer rnd_...``. Endpoints that visitors may call use
``optional_auth``; everything else requires a member (401 otherwise).

Every error response is JSON ``{"detail": message, "errors": {field: [messages]}}``:
``ApplicationError`` → its status (400/409/422; a text the professionalism guard refused →
422 with ``"guard": {verdict, blocked, needs_confirmation, fields: {field: report}}`` too), ``NotFound``/``Http404`` → 404, ``Forbidden``
→ 403, input that does not validate → 422, a body that is not JSON → 400, a body over the
size limits → 413, a wrong method → 405. Unknown fields in request bodies are refused (422);
unknown query parameters are ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rounds.core.api_utils import (
    AnonymousAllowed,
    SessionMemberAuth,
    TokenAuth,
    member_auth,
    optional_auth,
)
from rounds.core.errors import (
    ApplicationError,
    ContentRefused,
    Forbidden,
    NotFound,
    RateLimited,
    validation_from_django,
)

__all__ = [
    "AnonymousAllowed",
    "SessionMemberAuth",
    "TokenAuth",
    "api",
    "member_auth",
    "optional_auth",
]


class RoundsAPI(NinjaAPI):
    """NinjaAPI whose "method not allowed" answers are JSON like every other error."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return urls


def _json_method_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    @functools.wraps(view)  # keeps ninja's csrf_exempt marker
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "")
            json_response = JsonResponse(
                {"detail": f"Method not allowed; use {allowed}.", "errors": {}}, status=405
            )
            json_response["Allow"] = allowed
            return json_response
        return response

    return wrapper


api = RoundsAPI(
    title="Rounds API",
    version="1.0.0",
    description=(
        "The Rounds JSON API.\n\n"
        "**Authentication.** Your browser session (send the CSRF token in `X-CSRFToken` on "
        "unsafe methods) or a personal access token from `POST /api/v1/me/tokens` or "
        "Settings → API tokens, sent as `Authorization: Bearer rnd_...`. An invalid or "
        "revoked token is a 401 on every endpoint, including those visitors may call.\n\n"
        '**Errors** are JSON: `{"detail": message, "errors": {field: [messages]}}`. '
        "Input that fails validation is a 422 naming the field; unknown fields in request "
        "bodies are refused (422), unknown query parameters are ignored.\n\n"
        "**Professionalism guard.** Every write that publishes text (profile bio and headline, "
        "connection request notes, …) checks it first. Patient information is a 422 whose "
        "body adds `guard` (`verdict: block`, the findings per field with offsets, "
        "explanation and suggestion): edit the text. Other findings (offensive content, "
        "oversharing) are a 422 with `guard.needs_confirmation: true`: send the same request "
        "again with `acknowledge_warnings: true` to publish anyway. "
        "`POST /api/v1/guard/check` previews the report without writing.\n\n"
        "**Scheduled deletion.** While your account deletion is scheduled (the 14-day grace "
        "period), every write that publishes or reaches other members (texts, connection "
        "requests, follows, likes, reposts, joining groups, event registrations, reports, …) "
        "is a 403 saying so; reading, `POST /api/v1/me/export` and `DELETE /api/v1/me/deletion` "
        "(cancel) keep working.\n\n"
        "**Lists** are paginated with `page` (1–500) and `page_size` (1–100); responses say "
        "`has_next` and `next_page` (no total count)."
    ),
    auth=member_auth,
    urls_namespace="api",
    # Swagger UI is served from django-ninja's own static files (no CDN). Its default
    # validator badge would send the schema URL to validator.swagger.io: switched off.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    response = _error(request, exc.status_code, exc.message, exc.errors)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ContentRefused)
def on_content_refused(request: HttpRequest, exc: ContentRefused) -> HttpResponse:
    """The professionalism guard refused a text: 422 with the usual shape plus ``guard``, the
    findings per field (``needs_confirmation``: resend with ``acknowledge_warnings: true``)."""
    from rounds.core.publishing import record_refusal

    record_refusal(exc)
    body = {"detail": exc.message, "errors": exc.errors, "guard": exc.guard_dict()}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(NotFound)
def on_not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _error(request, 404, exc.message)


@api.exception_handler(Http404)
def on_http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


@api.exception_handler(Forbidden)
def on_forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return _error(request, 403, exc.message)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "You are not allowed to do that.")


@api.exception_handler(DjangoValidationError)
def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    failed = validation_from_django(exc)
    return _error(request, 422, failed.message, failed.errors)


#: Parts of a pydantic error location that name where a value came from, not the field.
_LOCATION_SOURCES = frozenset({"body", "query", "path", "form", "file", "header", "cookie"})
#: By convention endpoints name their body schema parameter ``payload`` and their query
#: schema parameter ``params``; neither is a field the client knows about.
_WRAPPER_PARAMS = frozenset({"payload", "params"})
_NOT_AN_OBJECT = frozenset({"model_type", "dict_type", "model_attributes_type"})


def _validation_entry(error: dict[str, Any]) -> tuple[str, str]:
    """One pydantic error as ``(field, message)``.

    ``("body", "payload", "headline")`` → ``"headline"``; ``("query", "params", "open_to",
    1)`` → ``"open_to"``; a body that is not an object, or missing, → ``"__all__"``.
    """
    # Only the leading part names the request source; a field may itself be called "body".
    loc = list(error.get("loc", ()))
    if loc[:1] and loc[0] in _LOCATION_SOURCES:
        loc = loc[1:]
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "Invalid value."))
    if loc[:1] and loc[0] in _WRAPPER_PARAMS:
        loc = loc[1:]
        if not loc and kind in _NOT_AN_OBJECT:
            return "__all__", "The request body must be a JSON object."
        if not loc and kind == "missing":
            return "__all__", "A JSON request body is required."
    field = ".".join(str(part) for part in loc if not isinstance(part, int)) or "__all__"
    if kind == "extra_forbidden":
        message = "Unknown field."
    return field, message.removeprefix("Value error, ")


@api.exception_handler(NinjaValidationError)
def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field, message = _validation_entry(error)
        if message not in errors.get(field, []):
            errors.setdefault(field, []).append(message)
    first_field, messages = next(iter(errors.items()), ("__all__", ["Invalid input."]))
    detail = messages[0] if first_field == "__all__" else f"{first_field}: {messages[0]}"
    return _error(request, 422, detail, errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, "Authentication required: sign in or send a valid API token.")
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc.message)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "The request body is not valid JSON."
    elif exc.status_code == 403 and "CSRF" in message:
        message = "CSRF check failed: send the X-CSRFToken header with session authentication."
    return _error(request, exc.status_code, message)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "Request too large.")


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _error(request, 400, "The multipart request body could not be read.")


@api.exception_handler(UnreadablePostError)
def on_unreadable(request: HttpRequest, exc: UnreadablePostError) -> HttpResponse:
    return _error(request, 400, "The request body could not be read.")


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return _error(request, 400, "Bad request.")


@api.exception_handler(BadRequest)
def on_bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return _error(request, 400, "Bad request.")


def _register_routers() -> None:
    from rounds.accounts.api import router as tokens_router
    from rounds.accounts.data_rights.api import router as data_rights_router
    from rounds.community.api import router as community_router
    from rounds.contacts.api import router as contacts_router
    from rounds.events.api import router as events_router
    from rounds.events.api_calendar import certificates_router
    from rounds.events.api_calendar import router as events_calendar_router
    from rounds.events.api_prepare import router as events_prepare_router
    from rounds.feed.api import feed_router, posts_router, topics_router
    from rounds.guard.api import router as guard_router
    from rounds.messaging.api import router as messaging_router
    from rounds.moderation.api import reports_router
    from rounds.moderation.api import router as moderation_router
    from rounds.network.api import members_router as network_members_router
    from rounds.network.api import router as network_router
    from rounds.notifications.api import router as notifications_router
    from rounds.profiles.api import me_router, members_router, organizations_router

    api.add_router("/me/tokens", tokens_router)
    # Data export and account deletion: /me/export, /me/export/download, /me/deletion
    api.add_router("/me", data_rights_router)
    api.add_router("/me", me_router)
    api.add_router("/members", members_router)
    # Follows, followers, following and relationship of a member: /members/{handle}/...
    api.add_router("/members", network_members_router)
    api.add_router("/network", network_router)
    api.add_router("/organizations", organizations_router)
    api.add_router("/guard", guard_router)
    api.add_router("/conversations", messaging_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/groups", community_router)
    # Goal, who to meet, people met, follow-ups, recommended (before /events/{id}: static paths)
    api.add_router("/events", events_prepare_router)
    api.add_router("/events", events_router)
    # Calendar feed and certificates: /events/calendar-feed, /events/{id}/certificate
    api.add_router("/events", events_calendar_router)
    api.add_router("/certificates", certificates_router)
    api.add_router("/reports", reports_router)
    api.add_router("/moderation", moderation_router)
    api.add_router("/posts", posts_router)
    api.add_router("/feed", feed_router)
    api.add_router("/topics", topics_router)


_register_routers()
