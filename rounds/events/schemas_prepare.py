"""Schemas of the prepare / who-to-meet / met / follow-up / recommended API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import ConfigDict

from rounds.core.api_utils import PageParams, Safe
from rounds.network.schemas import MemberSummaryOut, member_summary_out
from rounds.network.services import MAX_NOTE as MAX_CONNECTION_NOTE
from rounds.profiles.schemas import MemberCardOut

from .models import MAX_GOAL, MAX_MET_NOTE, MetAttendee, Registration
from .preparation import MAX_GOAL_TAGS

ACKNOWLEDGE_DESCRIPTION = (
    "Save the text despite the professionalism guard's warnings (after a 422 with "
    "`guard.needs_confirmation`). Never overrides patient information."
)
GoalSlug = Annotated[str, Field(max_length=80), Safe]


class InSchema(Schema):
    """Request bodies: unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")


# --- goal ------------------------------------------------------------------------------------


class GoalTagOut(Schema):
    slug: str
    name: str


class GoalOut(Schema):
    event_id: int
    goal: str = Field(..., description="Your private goal for the event (only you see it).")
    goal_tags: list[GoalTagOut]
    updated_at: datetime


class GoalIn(InSchema):
    goal: Annotated[str, Field(max_length=MAX_GOAL), Safe] | None = Field(
        None, description=f"Your goal (at most {MAX_GOAL} characters); omit to keep it."
    )
    goal_tags: list[GoalSlug] | None = Field(
        None,
        max_length=MAX_GOAL_TAGS,
        description=f"Goal slugs (as in profiles; at most {MAX_GOAL_TAGS}); omit to keep them.",
    )
    acknowledge_warnings: bool = Field(False, description=ACKNOWLEDGE_DESCRIPTION)


def goal_out(registration: Registration, tags: list[Any]) -> dict[str, Any]:
    return {
        "event_id": registration.event_id,
        "goal": registration.goal,
        "goal_tags": [{"slug": t.slug, "name": t.name} for t in tags],
        "updated_at": registration.updated_at,
    }


# --- who to meet -------------------------------------------------------------------------------


class WhoToMeetOut(Schema):
    member: MemberCardOut
    score: float = Field(..., description="Fit with your goal and profile (higher is better).")
    reasons: list[str] = Field(..., description="Why, most important first.")
    connected: bool = Field(..., description="Already one of your connections.")
    strategic: bool = Field(
        ..., description="Outside your organizations: a strategic contact (needs one of yours)."
    )
    same_organization: bool


def who_to_meet_page_out(request: HttpRequest, page: Any) -> dict[str, Any]:
    """A page of who-to-meet: the ranking's reasons with each member's cached card."""
    from rounds.core.api_utils import page_out
    from rounds.profiles.schemas import member_cards_by_pk

    cards = member_cards_by_pk(request, [match.card_row for match in page.items])
    page.items = [match for match in page.items if match.profile_id in cards]
    return page_out(page, lambda match: who_to_meet_out(cards[match.profile_id], match))


def who_to_meet_out(card: dict[str, Any], match: Any) -> dict[str, Any]:
    suggestion = match.suggestion
    return {
        "member": card,
        "score": suggestion.score,
        "reasons": list(suggestion.reasons),
        "connected": suggestion.connected,
        "strategic": suggestion.strategic,
        "same_organization": suggestion.same_organization,
    }


# --- people I met ------------------------------------------------------------------------------


class MetOut(Schema):
    member: MemberSummaryOut
    note: str = Field(..., description="Your private note.")
    marked_at: datetime
    connected: bool
    request_pending: bool = Field(..., description="A connection request is pending either way.")
    connect_note: str | None = Field(
        ...,
        description=(
            "The prefilled note for `POST .../connect` (null when already connected or pending)."
        ),
    )


def met_out(
    request: HttpRequest,
    mark: MetAttendee,
    profile: Any,
    *,
    connected: bool,
    pending: bool,
    prefill: str,
) -> dict[str, Any]:
    return {
        "member": member_summary_out(request, profile.user),
        "note": mark.note,
        "marked_at": mark.created_at,
        "connected": connected,
        "request_pending": pending,
        "connect_note": None if connected or pending else prefill,
    }


class MetIn(InSchema):
    note: Annotated[str, Field(max_length=MAX_MET_NOTE), Safe] | None = Field(
        None, description=f"Private note (at most {MAX_MET_NOTE} characters); omit to keep it."
    )
    acknowledge_warnings: bool = Field(False, description=ACKNOWLEDGE_DESCRIPTION)


class AttendeeOut(Schema):
    member: MemberSummaryOut
    met: bool = Field(..., description="You marked them as met.")


class CandidateParams(PageParams):
    q: Annotated[str, Field(max_length=100), Safe] = Field(
        "", description="Part of a name or headline."
    )


class ConnectIn(InSchema):
    note: Annotated[str, Field(max_length=MAX_CONNECTION_NOTE), Safe] | None = Field(
        None, description="Personal note; omit for the prefilled one (see `connect_note`)."
    )
    acknowledge_warnings: bool = Field(False, description=ACKNOWLEDGE_DESCRIPTION)


class ConnectOut(Schema):
    id: int = Field(..., description="The connection request's id (see /network/requests).")
    member: MemberSummaryOut
    note: str
    state: str
    expires_at: datetime


# --- follow-up -------------------------------------------------------------------------------


FollowUpState = Literal["pending", "done", "dismissed"]


class FollowUpIn(InSchema):
    state: FollowUpState


class FollowUpOut(Schema):
    event_id: int
    title: str
    ends_at: datetime
    state: FollowUpState
    met_count: int | None = Field(None, description="People you marked (in the reminder list).")


def follow_up_out(registration: Registration) -> dict[str, Any]:
    event = registration.event
    return {
        "event_id": event.pk,
        "title": event.title,
        "ends_at": event.ends_at,
        "state": registration.follow_up,
        "met_count": getattr(registration, "met_count", None),
    }


# --- recommended -----------------------------------------------------------------------------


class RecommendedEventOut(Schema):
    id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    is_online: bool
    city: str
    cme_credits: float | None
    going_count: int
    score: float
    reasons: list[str]
    connections_going: int
    url: str


def recommended_out(request: HttpRequest, rec: Any) -> dict[str, Any]:
    from django.urls import reverse

    event = rec.event
    return {
        "id": event.pk,
        "title": event.title,
        "kind": event.kind,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "time_zone": event.time_zone,
        "is_online": event.is_online,
        "city": event.city,
        "cme_credits": float(event.cme_credits) if event.cme_credits is not None else None,
        "going_count": event.going_count,
        "score": rec.score,
        "reasons": list(rec.reasons),
        "connections_going": rec.connections_going,
        "url": request.build_absolute_uri(reverse("events:detail", args=[event.pk])),
    }


class RecommendedParams(Schema):
    limit: int = Field(20, ge=1, le=50, description="How many (at most 50).")
