"""Shared pieces of the JSON API: the error shape, pagination, safe text and the viewer.

Every API module builds on these so that errors, pages and input limits look the same on
every endpoint (see ``config/api.py`` for how exceptions become the error shape).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator, TypeAdapter

from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, Page

T = TypeVar("T")

#: Largest primary key a path parameter may name (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
#: Longest value accepted in a query-string parameter.
MAX_QUERY_PARAM = 200
DEFAULT_PAGE_SIZE = 20


# --- authentication --------------------------------------------------------------------------


class TokenAuth(HttpBearer):
    """Personal access tokens (hashed at rest): ``Authorization: Bearer rnd_...``.

    A bearer token that is sent but unknown, revoked or malformed is a 401 even on endpoints
    visitors may call: a client with a broken token must find out, not silently become a
    visitor.
    """

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from rounds.accounts.services import api_token_authenticate

        user = api_token_authenticate(token.strip())
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user


class SessionMemberAuth(SessionAuth):
    """The browser session. CSRF is checked (unsafe methods) only when a member is signed in;
    without a signed-in member this method passes to the next one."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


class AnonymousAllowed:
    """Last resort of ``optional_auth``: lets visitors through as AnonymousUser."""

    def __call__(self, request: HttpRequest) -> Any:
        if not getattr(request, "user", None) or not request.user.is_authenticated:
            request.user = AnonymousUser()
        return request.user


token_auth = TokenAuth()
session_auth = SessionMemberAuth(csrf=True)
#: Members only (401 otherwise).
member_auth = [token_auth, session_auth]
#: Members and visitors; endpoints check what visitors may see through access_*/selectors.
optional_auth = [token_auth, session_auth, AnonymousAllowed()]


# --- errors ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Every error response: a message for people and field-level messages for forms."""

    detail: str = Field(..., description="What went wrong, in one sentence.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Messages per input field (`__all__` when not tied to one field).",
    )


def error_responses(*codes: int) -> dict[int, type[ErrorOut]]:
    """``{code: ErrorOut}`` for an endpoint's ``response=`` mapping (documents the errors)."""
    return dict.fromkeys(codes, ErrorOut)


def _safe_text(value: str) -> str:
    """Reject NUL characters and lone surrogates: no database stores them, so they never reach one."""
    if "\x00" in value:
        raise ValueError("Contains a character that is not allowed (NUL).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("Contains text that is not valid Unicode.") from exc
    return value


#: Validator for strings that must be storable: no NUL, no lone surrogates.
Safe = AfterValidator(_safe_text)
#: A storable string. Required fields: ``name: SafeStr = Field(..., max_length=80)``.
#: Optional ones put the limit inside so pydantic reports it plainly:
#: ``headline: Annotated[str, Field(max_length=160), Safe] | None = None``.
SafeStr = Annotated[str, Safe]


class PageParams(Schema):
    """Page-number pagination (no total count is computed: see rounds.core.pagination)."""

    page: int = Field(1, ge=1, le=MAX_PAGE_NUMBER, description="1-based page number.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100)."
    )


class PageOut(Schema, Generic[T]):
    """One page of results; follow ``next_page`` until it is null."""

    items: list[T]
    page: int
    page_size: int
    has_next: bool
    next_page: int | None


def page_out(page: Page[Any], serialize: Callable[[Any], Any]) -> dict[str, Any]:
    """The ``PageOut`` mapping for ``page``, each item passed through ``serialize``."""
    return {
        "items": [serialize(item) for item in page.items],
        "page": page.number,
        "page_size": page.size,
        "has_next": page.has_next,
        "next_page": page.next_number,
    }


def viewer_of(request: HttpRequest) -> Any:
    """The authenticated member making the request, or an AnonymousUser for visitors."""
    user = getattr(request, "auth", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return AnonymousUser()
    return user


def absolute_url(request: HttpRequest, url: str | None) -> str | None:
    """``url`` made absolute for API clients (None stays None)."""
    return request.build_absolute_uri(url) if url else None


# --- output ----------------------------------------------------------------------------------

#: The JSON every API response is rendered with: django-ninja's own encoder (datetimes as ISO
#: 8601 with milliseconds and "Z", decimals, UUIDs …), so both paths below print the same text.
_JSON_CONTENT_TYPE = "application/json; charset=utf-8"


@cache
def _adapter(schema: Any) -> TypeAdapter[Any]:
    return TypeAdapter(schema)


def _render(payload: Any) -> str:
    from ninja.responses import NinjaJSONEncoder

    return json.dumps(payload, cls=NinjaJSONEncoder)


def check_output(schema: Any, payload: Any) -> None:
    """Raise AssertionError unless ``payload`` is exactly what django-ninja would have sent
    after validating it against ``schema`` (same fields, same values, same JSON)."""
    adapter = _adapter(schema)
    validated = adapter.validate_python(payload)
    expected = json.loads(_render(adapter.dump_python(validated)))
    sent = json.loads(_render(payload))
    if expected != sent:
        raise AssertionError(
            f"API output does not match {schema!r}:\nsent     {sent!r}\nexpected {expected!r}"
        )


def trusted_json(payload: Any, schema: Any, *, status: int = 200) -> HttpResponse:
    """``payload`` (plain dicts, lists and values already in their final form, built by the
    endpoint's ``*_out`` functions) rendered as the JSON response, without django-ninja's
    per-request validation against ``schema``: validating a page of 20 cards costs ~0.5 ms
    on list endpoints read on every screen. ``schema`` is still what OpenAPI documents
    (``response={200: schema}``), and with ``settings.API_CHECK_OUTPUT`` (on under DEBUG and in
    the test suite) every payload is checked against it (``check_output``), so a payload
    that drifts from its schema fails every test that calls the endpoint."""
    from django.conf import settings

    if getattr(settings, "API_CHECK_OUTPUT", False):
        check_output(schema, payload)
    return HttpResponse(_render(payload), content_type=_JSON_CONTENT_TYPE, status=status)
