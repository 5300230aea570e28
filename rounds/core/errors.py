"""The error tree shared by services, HTML views and the API.

Services raise these; interfaces map them once:
``ApplicationError`` → 400 (422 for validation) with a message and field errors,
``NotFound`` → 404 (missing and forbidden look the same), ``Forbidden`` → 403 (only when the
object is visible to the actor). ``ContentRefused`` (the professionalism guard blocked a text,
or warned and the author has not confirmed) → 422 with the guard's findings per field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from rounds.guard.report import GuardReport


class ApplicationError(Exception):
    """A request that cannot be carried out as asked; nothing was changed."""

    status_code = 400

    def __init__(
        self, message: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = dict(errors or {})
        if field:
            self.errors.setdefault(field, []).append(message)


class ValidationFailed(ApplicationError):
    """Input failed validation (422)."""

    status_code = 422


@dataclasses.dataclass(frozen=True, slots=True)
class GuardedField:
    """The professionalism guard's report on one field of a write: which input field (as the
    form and the API name it), what kind of text it is (``"bio"``, ``"connection_note"``…),
    and the text as checked (the report's offsets point into it; never logged or stored)."""

    field: str
    kind: str
    report: GuardReport
    text: str = dataclasses.field(default="", repr=False)


class ContentRefused(ValidationFailed):
    """The professionalism guard refused one or more texts of a write (422); nothing was
    written. ``fields`` maps each refused input field to its report (only fields with
    findings). Subclasses say whether the author may confirm and publish anyway.
    """

    status_code = 422
    #: True when the author may publish anyway by acknowledging the warnings.
    confirmable = False

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, GuardedField],
        errors: dict[str, list[str]] | None = None,
    ):
        super().__init__(message, errors=errors or {name: [message] for name in fields})
        self.fields: dict[str, GuardedField] = dict(fields)
        #: Set once the refusal has been counted (see ``rounds.core.publishing``).
        self.recorded = False

    @property
    def verdict(self) -> str:
        return "warn" if self.confirmable else "block"

    def guard_dict(self) -> dict[str, Any]:
        """The ``guard`` member of the API's 422 body: the verdict and each field's report."""
        return {
            "verdict": self.verdict,
            "blocked": not self.confirmable,
            "needs_confirmation": self.confirmable,
            "fields": {name: guarded.report.to_dict() for name, guarded in self.fields.items()},
        }


class ContentBlocked(ContentRefused):
    """A text holds a high-confidence patient identifier: it must be edited (422).
    Acknowledging warnings does not help; nothing was written."""


class ContentNeedsConfirmation(ContentRefused):
    """A text holds findings the author may override (offensive content, oversharing, weaker
    patient identifiers): resubmit with ``acknowledge_warnings`` to publish anyway (422)."""

    confirmable = True


class Conflict(ApplicationError):
    """The request conflicts with the current state (409), e.g. a handle already taken."""

    status_code = 409


class RateLimited(ApplicationError):
    """Too many of one action in the current window (429); ``retry_after`` seconds until the
    window ends (sent as the ``Retry-After`` header by the API and the pages)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class NotFound(Exception):
    """The object does not exist or the actor may not know it exists (404)."""

    def __init__(self, message: str = "Not found."):
        super().__init__(message)
        self.message = message


class Forbidden(Exception):
    """The object is visible but the action is not allowed for this actor (403).

    ``link_url`` / ``link_label``: where the member can do something about it (pages show the
    link under the message; the API sends the message only)."""

    def __init__(
        self,
        message: str = "You are not allowed to do that.",
        *,
        link_url: str = "",
        link_label: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.link_url = link_url
        self.link_label = link_label


def validation_from_django(exc: Exception) -> ValidationFailed:
    """Turn a django ``ValidationError`` into our ``ValidationFailed`` with field errors."""
    from django.core.exceptions import ValidationError

    assert isinstance(exc, ValidationError)
    if hasattr(exc, "error_dict"):
        errors = {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
        first = next(iter(errors.values()))[0] if errors else "Invalid input."
        return ValidationFailed(first, errors=errors)
    messages = [str(m) for m in exc.messages]
    return ValidationFailed(
        messages[0] if messages else "Invalid input.", errors={"__all__": messages}
    )
