"""The JSON API: one NinjaAPI at /api/v1/, routers per app, errors mapped once.

Authentication: the browser session (CSRF checked) or a personal access token sent as
``Authorization: Bearer rnd_...``. Endpoints that visitors may call use ``optional_auth``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from rounds.core.errors import ApplicationError, Forbidden, NotFound, validation_from_django


class TokenAuth(HttpBearer):
    """Personal access tokens (hashed at rest)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from rounds.accounts.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class AnonymousAllowed:
    """Last resort of ``optional_auth``: lets visitors through as AnonymousUser."""

    def __call__(self, request: HttpRequest) -> Any:
        if not getattr(request, "user", None) or not request.user.is_authenticated:
            request.user = AnonymousUser()
        return request.user or True


class SessionMemberAuth(SessionAuth):
    """The browser session; CSRF is checked only when a member is signed in (else: next method)."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


token_auth = TokenAuth()
session_auth = SessionMemberAuth(csrf=True)
member_auth = [token_auth, session_auth]
optional_auth = [token_auth, session_auth, AnonymousAllowed()]

api = NinjaAPI(
    title="Rounds API",
    version="1.0.0",
    description=(
        "The Rounds JSON API. Authenticate with your browser session (send the CSRF token in "
        "`X-CSRFToken`) or a personal access token from Settings → API tokens "
        '(`Authorization: Bearer rnd_...`). Errors are JSON: `{"detail": message, "errors": '
        "{field: [messages]}}`."
    ),
    auth=member_auth,
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.status_code, exc.message, exc.errors)


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


@api.exception_handler(NinjaValidationError)
def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [
            str(part)
            for part in error.get("loc", [])
            if part not in ("body", "query", "path", "payload", "form")
        ]
        key = ".".join(loc) or "__all__"
        errors.setdefault(key, []).append(str(error.get("msg", "Invalid value.")))
    first = next(iter(errors.items()), ("", ["Invalid input."]))
    detail = f"{first[0]}: {first[1][0]}" if first[0] and first[0] != "__all__" else first[1][0]
    return _error(request, 422, detail, errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Authentication required: sign in or send a valid API token.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc.message))


def _register_routers() -> None:
    from rounds.accounts.api import router as accounts_router
    from rounds.profiles.api import organizations_router
    from rounds.profiles.api import router as profiles_router

    api.add_router("/", accounts_router)
    api.add_router("/members", profiles_router)
    api.add_router("/organizations", organizations_router)


_register_routers()
