"""Request and response bodies of ``POST /api/v1/guard/check``."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from rounds.core.api_utils import ErrorOut, Safe

#: Longest text the endpoint checks (longer than any text Rounds publishes).
MAX_CHECK_LENGTH = 20_000

GuardKind = Literal[
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


class GuardCheckIn(Schema):
    """A text to check before publishing it, and where it is going to be published."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(max_length=MAX_CHECK_LENGTH), Safe] = Field(
        ...,
        description=f"The text as it would be published (at most {MAX_CHECK_LENGTH:,} characters).",
    )
    kind: GuardKind = Field(
        "post", description="What the text is: a post, comment, message, bio, …"
    )


class FindingOut(Schema):
    """One finding: where (character offsets into ``text``), what, why and what to do."""

    category: Literal["patient_information", "offensive", "oversharing"]
    rule: str = Field(..., description="Stable rule id, e.g. `phi.ssn`, `offensive.profanity`.")
    start: int = Field(..., description="Offset of the first character (0-based).")
    end: int = Field(..., description="Offset after the last character: `text[start:end]`.")
    matched: str = Field(..., description="The text the finding is about.")
    severity: Literal["block", "warn"]
    explanation: str = Field(..., description="Why it matters, for the author.")
    suggestion: str = Field(..., description="What to write instead.")


class FindingCountsOut(Schema):
    patient_information: int
    offensive: int
    oversharing: int


class GuardReportOut(Schema):
    """The guard's report. ``block``: edit before publishing; ``warn``: publishing is allowed
    after the author confirms; ``ok``: nothing found."""

    verdict: Literal["ok", "warn", "block"]
    blocked: bool
    findings: list[FindingOut]
    counts: FindingCountsOut


class GuardRefusalOut(Schema):
    """Why a write endpoint refused a text: the verdict over the write and each refused field's
    report (offsets point into the text as sent, after trimming surrounding white space)."""

    verdict: Literal["block", "warn"] = Field(
        ..., description="`block`: edit the text; `warn`: resend with `acknowledge_warnings`."
    )
    blocked: bool
    needs_confirmation: bool = Field(
        ..., description="True when resending with `acknowledge_warnings: true` publishes it."
    )
    fields: dict[str, GuardReportOut] = Field(..., description="The report per input field.")


class GuardErrorOut(ErrorOut):
    """A 422 from a write endpoint that publishes text: a validation error, or the
    professionalism guard's refusal (then ``guard`` holds the findings)."""

    guard: GuardRefusalOut | None = Field(
        None, description="Present when the professionalism guard refused a text."
    )
