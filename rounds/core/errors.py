"""The error tree shared by services, HTML views and the API.

Services raise these; interfaces map them once:
``ApplicationError`` → 400 (422 for validation) with a message and field errors,
``NotFound`` → 404 (missing and forbidden look the same), ``Forbidden`` → 403 (only when the
object is visible to the actor).
"""

from __future__ import annotations


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


class Conflict(ApplicationError):
    """The request conflicts with the current state (409), e.g. a handle already taken."""

    status_code = 409


class NotFound(Exception):
    """The object does not exist or the actor may not know it exists (404)."""

    def __init__(self, message: str = "Not found."):
        super().__init__(message)
        self.message = message


class Forbidden(Exception):
    """The object is visible but the action is not allowed for this actor (403)."""

    def __init__(self, message: str = "You are not allowed to do that."):
        super().__init__(message)
        self.message = message


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
