"""Who is publishing what: lets the guard tell the member's own details from a patient's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

Kind = Literal[
    "post",
    "comment",
    "thread",
    "reply",
    "message",
    "bio",
    "headline",
    "event_description",
    "group_description",
    "connection_note",
    "other",
]

KINDS: tuple[Kind, ...] = (
    "post",
    "comment",
    "thread",
    "reply",
    "message",
    "bio",
    "headline",
    "event_description",
    "group_description",
    "connection_note",
    "other",
)


@dataclass(frozen=True, slots=True)
class GuardContext:
    """What is being published and by whom.

    ``author_phones``/``author_emails``/``author_npi`` are the member's own professional
    details (from their profile): they are never reported as patient information, and the
    author's office phone is never reported as oversharing. ``colleague_names`` are people
    the author knows professionally (connections, co-authors): never reported as patients.
    """

    kind: Kind = "post"
    author_name: str = ""
    author_npi: str = ""
    author_phones: tuple[str, ...] = ()
    author_emails: tuple[str, ...] = ()
    colleague_names: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        kind: str = "post",
        *,
        author_name: str | None = "",
        author_npi: str | None = "",
        author_phones: list[str] | tuple[str, ...] | None = (),
        author_emails: list[str] | tuple[str, ...] | None = (),
        colleague_names: list[str] | tuple[str, ...] | None = (),
    ) -> GuardContext:
        """A context from loosely typed values (None → empty; unknown kind → ``"other"``)."""
        return cls(
            kind=cast(Kind, kind) if kind in KINDS else "other",
            author_name=author_name or "",
            author_npi=author_npi or "",
            author_phones=tuple(p for p in author_phones or () if p),
            author_emails=tuple(e for e in author_emails or () if e),
            colleague_names=tuple(n for n in colleague_names or () if n),
        )


DEFAULT_CONTEXT = GuardContext()
