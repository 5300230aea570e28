"""API schemas for accounts: personal access tokens."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from rounds.core.api_utils import SafeStr


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: SafeStr = Field(
        ..., max_length=80, description="What the token is for, e.g. “reference manager sync”."
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(
        ..., description="The first characters of the secret, to tell tokens apart."
    )
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    secret: str = Field(
        ...,
        description=(
            "Send as `Authorization: Bearer <secret>`. Shown this once: only a hash is stored."
        ),
    )
