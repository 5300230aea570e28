"""Map the domain's errors to HTTP once, for every HTML view.

``NotFound`` → 404 (missing and forbidden look the same), ``Forbidden`` → 403, and any other
``ApplicationError`` that a view did not handle itself → an error page with its status code
(400/409/422) and message. Views that show field errors in a form catch ``ApplicationError``
themselves (see ``apply_service_errors``); this is the safety net, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .errors import ApplicationError, ContentRefused, Forbidden, NotFound, RateLimited

P = ParamSpec("P")

#: The largest primary key a database integer column holds; larger URL ids cannot exist.
MAX_ID = 2**63 - 1

ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    409: "That conflicts with something",
    413: "Too large",
    422: "Please check your input",
    429: "Slow down a little",
    500: "Something went wrong",
}


def error_response(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """Render ``errors/error.html`` with our layout and the given status."""
    title = ERROR_TITLES.get(status, "Something went wrong")
    html = render_to_string(
        "errors/error.html", {"status": status, "title": title, "message": message}, request
    )
    return HttpResponse(html, status=status)


def map_errors(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Decorate an HTML view so domain errors become 404/403/4xx pages, never 500."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(*args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            request = args[0]
            assert isinstance(request, HttpRequest)
            response = error_response(request, exc.status_code, exc.message)
            if isinstance(exc, RateLimited):
                response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapper


def require_valid_id(value: int) -> int:
    """Return ``value`` if it can be a primary key, else raise NotFound (never an overflow)."""
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def apply_service_errors(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Copy a service's field errors onto ``form``; unknown fields become form-wide errors.

    When the professionalism guard refused a text (``ContentRefused``), the form also gets
    ``form.guard`` (the findings to show under each field, by field name) and
    ``form.guard_confirmable`` (show "Publish anyway"), and the refusal is counted.
    """
    if isinstance(exc, ContentRefused):
        from .publishing import displays_for, record_refusal

        record_refusal(exc)
        form.guard = displays_for(exc)  # type: ignore[attr-defined]
        form.guard_confirmable = exc.confirmable  # type: ignore[attr-defined]
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for field, messages in exc.errors.items():
        target: Any = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
