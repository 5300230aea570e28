"""API schemas for data rights: exports and account deletion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from rounds.core.api_utils import Safe

from .services import MAX_PASSWORD_LENGTH


class ExportOut(Schema):
    id: int
    state: Literal["pending", "building", "ready", "failed", "expired"] = Field(
        ..., description="pending → building → ready | failed; ready → expired after 7 days."
    )
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None = Field(
        ..., description="When the archive is deleted (ready exports only)."
    )
    size_bytes: int | None
    download_url: str | None = Field(
        ...,
        description=(
            "`GET /api/v1/me/export/download` while the export is ready (same authentication); "
            "null otherwise."
        ),
    )


class DeletionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH), Safe] = Field(
        ..., description="Your current password, to confirm it is you."
    )
    public_contributions: Literal["remove", "anonymise"] = Field(
        "remove",
        description=(
            "`remove` deletes your posts, comments and replies; `anonymise` keeps them, shown "
            "as “Former member” without your name or photo."
        ),
    )


class DeletionOut(Schema):
    state: Literal["scheduled", "cancelled", "completed"]
    requested_at: datetime
    scheduled_for: datetime = Field(
        ..., description="When the account and its data are deleted for good."
    )
    public_contributions: Literal["remove", "anonymise"]
    cancelled_at: datetime | None
