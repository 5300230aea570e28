"""API schemas of notifications. Inputs forbid unknown fields (a misspelt field is a 422);
outputs are built by the ``*_out`` functions from rows the selectors already loaded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema

from rounds.core.api_utils import MAX_ID, Safe, absolute_url
from rounds.profiles.schemas import InSchema

from .models import Kind, Notification
from .selectors import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PreferenceRow

DeliveryValue = Literal["immediate", "digest", "off"]
KindValue = Annotated[str, Field(max_length=40), Safe]


class NotificationListParams(Schema):
    cursor: Annotated[str, Field(max_length=60), Safe] | None = Field(
        None, description="`next_cursor` of the previous page; omit for the newest."
    )
    limit: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100)."
    )
    unread: bool = Field(False, description="Only unread notifications.")


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="What happened (stable value, e.g. `connection.request`).")
    kind_label: str
    text: str
    url: str | None = Field(..., description="Where to act on it (a page of this site), or null.")
    created_at: datetime
    read_at: datetime | None
    is_read: bool
    emailed: bool = Field(..., description="Whether it went out by email (alone or in a digest).")


def notification_out(request: HttpRequest, notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": str(Kind(notification.kind).label),
        "text": notification.text,
        "url": absolute_url(request, notification.url or None),
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "is_read": notification.read_at is not None,
        "emailed": notification.emailed_at is not None,
    }


def notification_row_out(request: HttpRequest, row: tuple[Any, ...]) -> dict[str, Any]:
    """``notification_out`` of a ``selectors.NOTIFICATION_ROW_FIELDS`` tuple."""
    pk, kind, text, url, created_at, read_at, emailed_at = row
    return {
        "id": pk,
        "kind": kind,
        "kind_label": str(Kind(kind).label),
        "text": text,
        "url": absolute_url(request, url or None),
        "created_at": created_at,
        "read_at": read_at,
        "is_read": read_at is not None,
        "emailed": emailed_at is not None,
    }


class NotificationPageOut(Schema):
    """One page, newest first; pass ``next_cursor`` as ``cursor`` until it is null."""

    items: list[NotificationOut]
    next_cursor: str | None
    has_next: bool


class UnreadCountOut(Schema):
    unread: int = Field(..., description="Unread notifications, counted up to 1000.")
    capped: bool = Field(..., description="True when there are 1000 or more.")


class ReadAllIn(InSchema):
    up_to_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Only notifications up to this id (the newest you showed); omit for all.",
    )


class ReadAllOut(Schema):
    marked: int = Field(..., description="How many notifications were marked read.")


class PreferenceOut(Schema):
    kind: str
    label: str
    description: str = Field(..., description="When this notification happens.")
    group: str
    group_title: str
    delivery: DeliveryValue = Field(
        ..., description="`immediate`: email right away; `digest`: daily digest; `off`: no email."
    )
    default: DeliveryValue
    chosen: bool = Field(..., description="False while the kind follows the default.")


def preference_out(row: PreferenceRow) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "label": row.label,
        "description": row.description,
        "group": row.group,
        "group_title": row.group_title,
        "delivery": row.delivery,
        "default": row.default,
        "chosen": row.chosen,
    }


class PreferencesOut(Schema):
    email: str = Field(..., description="Where notification emails go.")
    items: list[PreferenceOut]


class PreferencesIn(InSchema):
    preferences: dict[KindValue, DeliveryValue] = Field(
        ...,
        max_length=len(Kind.values),
        description=(
            "`{kind: delivery}` for the kinds to change; kinds not named keep theirs. "
            "An unknown kind is a 422."
        ),
    )
