"""API schemas for reports and moderation.

Inputs refuse unknown body fields (422). Texts (details, reasons) are checked by the services
(length, NUL → 422 naming the field). Outputs are built from objects the selectors loaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from rounds.core.api_utils import Safe
from rounds.profiles.schemas import InSchema

from .models import MAX_DETAILS, MAX_REASON, ModerationAction, Report, Suspension
from .selectors import QueueItem, TargetView
from .services import MAX_SUSPENSION_DAYS

ReasonValue = Literal["patient_privacy", "harassment", "spam", "misinformation", "other"]
ActionValue = Literal["dismiss", "hide", "remove", "warn", "suspend"]
Kind = Annotated[str, Field(min_length=1, max_length=20), Safe]
Text = Annotated[str, Field(max_length=100_000), Safe]
Days = Annotated[int, Field(ge=1, le=MAX_SUSPENSION_DAYS)]


# --- inputs -------------------------------------------------------------------------------------


class ReportIn(InSchema):
    target_kind: Kind = Field(
        ..., description="What you report: post, comment, thread, reply, profile or message."
    )
    target_id: int = Field(..., description="Its id (a profile's `id`, a message's `id`, …).")
    reason: ReasonValue = Field(..., description="Why.")
    details: Text = Field(
        "",
        description=(
            f"Optional, at most {MAX_DETAILS:,} characters. Only moderators read it; the "
            "author is never told who reported them."
        ),
    )


class ActionIn(InSchema):
    action: ActionValue = Field(
        ...,
        description=(
            "`dismiss` (nothing wrong), `hide` / `remove` (the content leaves feeds and search "
            "at once; its author sees the reason), `warn` (the author is told the reason), "
            "`suspend` (site staff only: suspends the author)."
        ),
    )
    reason: Text = Field(
        "",
        description=(
            f"What the author reads (at most {MAX_REASON} characters); required except to dismiss."
        ),
    )
    days: Days | None = Field(
        None, description="`suspend` only: days, or null for a suspension until lifted."
    )


class SuspensionIn(InSchema):
    handle: Annotated[str, Field(min_length=1, max_length=220), Safe] = Field(
        ..., description="The member's handle."
    )
    reason: Text = Field(..., description=f"What the member reads (≤ {MAX_REASON} characters).")
    days: Days | None = Field(None, description="Days, or null until lifted.")


class QueueParams(Schema):
    state: Literal["open", "dismissed", "actioned", "all"] = Field(
        "open", description="Which reports to count."
    )
    reason: ReasonValue | None = Field(None, description="Only reports with this reason.")


class LogParams(Schema):
    action: Literal["dismiss", "hide", "remove", "warn", "suspend", "lift"] | None = Field(
        None, description="Only this kind of decision."
    )


class GuardParams(Schema):
    days: int = Field(
        30, ge=0, le=3650, description="Days back from today; 0: since counting began."
    )
    kind: Annotated[str, Field(max_length=40), Safe] | None = Field(
        None, description="Only this kind of text (bio, post, message, …)."
    )


# --- outputs ------------------------------------------------------------------------------------


class PersonOut(Schema):
    handle: str
    display_name: str


class ReportOut(Schema):
    id: int
    target_kind: str
    target_id: int
    reason: ReasonValue
    state: Literal["open", "dismissed", "actioned"]
    created_at: datetime


class ReportDetailOut(ReportOut):
    details: str
    reporter: PersonOut | None


class TargetOut(Schema):
    kind: str
    id: int
    exists: bool = Field(..., description="False once deleted by its author.")
    excerpt: str
    url: str | None = Field(..., description="Where to see it in context (null for messages).")
    moderation_state: Literal["visible", "hidden", "removed"]
    author: PersonOut | None


class QueueItemOut(Schema):
    target: TargetOut
    report_count: int
    first_report_id: int = Field(..., description="Open it with GET /moderation/reports/{id}.")
    first_reported_at: datetime
    group_id: int | None
    reasons: dict[str, int] = Field(..., description="Reports per reason.")


class ReportCaseOut(Schema):
    report: ReportDetailOut
    target: TargetOut
    reports: list[ReportDetailOut] = Field(
        ..., description="The reports on the target, oldest first (at most 100)."
    )


class ActionOut(Schema):
    id: int
    action: Literal["dismiss", "hide", "remove", "warn", "suspend", "lift"]
    target_kind: str
    target_id: int | None
    target_author: PersonOut | None
    moderator: PersonOut | None
    reason: str
    reports_resolved: int
    created_at: datetime


class SuspensionOut(Schema):
    id: int
    member: PersonOut | None
    until: datetime | None = Field(..., description="Null: until lifted.")
    reason: str
    active: bool
    lifted_at: datetime | None
    created_at: datetime


class OverrideRateOut(Schema):
    category: str
    rule: str
    warned: int
    overridden: int
    blocked: int
    rate: float | None = Field(..., description="overridden / warned (null before any warning).")


# --- builders -----------------------------------------------------------------------------------


def person_out(user_or_profile: Any) -> dict[str, Any] | None:
    profile = getattr(user_or_profile, "profile", user_or_profile)
    if profile is None or not hasattr(profile, "handle"):
        return None
    return {"handle": profile.handle, "display_name": profile.display_name}


def _user_person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return person_out(getattr(user, "profile", None))


def report_out(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "target_kind": report.target_kind,
        "target_id": report.target_id,
        "reason": report.reason,
        "state": report.state,
        "created_at": report.created_at,
    }


def report_detail_out(report: Report) -> dict[str, Any]:
    return {
        **report_out(report),
        "details": report.details,
        "reporter": _user_person(report.reporter),
    }


def target_out(view: TargetView) -> dict[str, Any]:
    return {
        "kind": view.kind,
        "id": view.target_id,
        "exists": view.exists,
        "excerpt": view.excerpt,
        "url": view.url or None,
        "moderation_state": view.state,
        "author": person_out(view.author) if view.author is not None else None,
    }


def queue_item_out(item: QueueItem) -> dict[str, Any]:
    return {
        "target": target_out(item.target),
        "report_count": item.report_count,
        "first_report_id": item.first_report_id,
        "first_reported_at": item.first_reported_at,
        "group_id": item.group_id,
        "reasons": {reason["reason"]: reason["count"] for reason in item.reasons},
    }


def action_out(record: ModerationAction) -> dict[str, Any]:
    return {
        "id": record.pk,
        "action": record.action,
        "target_kind": record.target_kind,
        "target_id": record.target_id,
        "target_author": _user_person(record.target_author),
        "moderator": _user_person(record.actor),
        "reason": record.reason,
        "reports_resolved": record.reports_resolved,
        "created_at": record.created_at,
    }


def suspension_out(suspension: Suspension) -> dict[str, Any]:
    return {
        "id": suspension.pk,
        "member": _user_person(suspension.user),
        "until": suspension.until,
        "reason": suspension.reason,
        "active": suspension.is_active,
        "lifted_at": suspension.lifted_at,
        "created_at": suspension.created_at,
    }
