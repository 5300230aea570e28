"""Shared pieces of the JSON API: the error shape, pagination, safe text and the viewer.

Every API module builds on these so that errors, pages and input limits look the same on
every endpoint (see ``config/api.py`` for how exceptions become the error shape).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Generic, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import AfterValidator

from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, Page

T = TypeVar("T")

#: Largest primary key a path parameter may name (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
#: Longest value accepted in a query-string parameter.
MAX_QUERY_PARAM = 200
DEFAULT_PAGE_SIZE = 20


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


#: A string that can be stored: no NUL, no lone surrogates. Combine with ``Field(max_length=)``.
SafeStr = Annotated[str, AfterValidator(_safe_text)]


def text(max_length: int, *, description: str = "", default: Any = None) -> Any:
    """A ``Field`` for an optional string of at most ``max_length`` characters."""
    return Field(default, max_length=max_length, description=description or None)


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


def strings(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]
