"""API schemas for the network: requests, connections, follows, blocks, interactions, health
and recommendations.

Inputs (``*In``, ``*Params``) forbid unknown body fields (a misspelt field is a 422). Outputs
are built by the ``*_out`` functions below from objects the selectors already loaded, so a list
costs the same number of queries whatever its length. Everything private here (labels,
network types, health, recommendations) is only ever the viewer's own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

from rounds.core.api_utils import MAX_QUERY_PARAM, PageParams, Safe, SafeStr, absolute_url
from rounds.profiles.schemas import InSchema, MemberCardOut, member_card_out

from .metrics import HealthReport
from .models import Block, Connection, ConnectionRequest, Interaction, Label, NetworkType
from .selectors import Recommendation, Relationship
from .services import MAX_NOTE

#: Handles are at most 40 characters; up to the lookup limit an unknown one is a 404, beyond a 422.
Handle = Annotated[str, Field(min_length=1, max_length=220, description="A member's handle."), Safe]
Direction = Literal["incoming", "outgoing"]
RecommendationKind = Literal["people", "strategic"]
InteractionKind = Literal["met", "call"]


class DormantDays(IntEnum):
    """The periods after which a tie without interaction counts as dormant."""

    QUARTER = 90
    HALF_YEAR = 180
    YEAR = 365


PATIENT_NOTICE = (
    "Connecting with a patient: keep professional boundaries. Do not discuss their care here; "
    "follow your organization's policy on relationships with patients."
)
#: Interactions further back than this are refused (a typo, not a memory).
EARLIEST_INTERACTION = datetime(1900, 1, 1, tzinfo=UTC)


# --- members ---------------------------------------------------------------------------------


class MemberSummaryOut(Schema):
    """The other member in one of your lists: enough to show and address them."""

    handle: str | None = Field(..., description="Null only for a member without a profile yet.")
    display_name: str
    headline: str
    role: str
    avatar_url: str | None


def member_summary_out(request: HttpRequest, user: Any) -> dict[str, Any]:
    """``user`` (with ``profile`` select_related) as a summary."""
    profile = getattr(user, "profile", None)  # RelatedObjectDoesNotExist is an AttributeError
    if profile is None:
        return {
            "handle": None,
            "display_name": "A member",
            "headline": "",
            "role": "",
            "avatar_url": None,
        }
    return {
        "handle": profile.handle,
        "display_name": profile.display_name,
        "headline": profile.headline,
        "role": profile.role,
        "avatar_url": absolute_url(request, profile.avatar.url if profile.avatar else None),
    }


# --- requests --------------------------------------------------------------------------------


class RequestListParams(PageParams):
    direction: Direction = Field(
        "incoming", description="`incoming`: sent to you; `outgoing`: sent by you."
    )


class RequestIn(InSchema):
    handle: Handle
    note: Annotated[str, Field(max_length=MAX_NOTE), Safe] = Field(
        "", description=f"An optional personal note (at most {MAX_NOTE} characters)."
    )
    acknowledge_warnings: bool = Field(
        False,
        description=(
            "Send the note despite the professionalism guard's warnings (after a 422 with "
            "`guard.needs_confirmation`). Never overrides patient information."
        ),
    )


class RequestOut(Schema):
    id: int
    direction: Direction
    member: MemberSummaryOut = Field(..., description="The other member: sender or recipient.")
    note: str
    state: ConnectionRequest.State
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None


def request_out(request: HttpRequest, viewer: Any, req: ConnectionRequest) -> dict[str, Any]:
    """A request as ``viewer`` (its sender or recipient) sees it."""
    incoming = req.recipient_id == viewer.pk
    return {
        "id": req.pk,
        "direction": "incoming" if incoming else "outgoing",
        "member": member_summary_out(request, req.sender if incoming else req.recipient),
        "note": req.note,
        "state": req.state,
        "created_at": req.created_at,
        "expires_at": req.expires_at,
        "responded_at": req.responded_at,
    }


# --- connections -----------------------------------------------------------------------------


class ConnectionListParams(PageParams):
    type: NetworkType | None = Field(None, description="Only connections in this network.")
    label: Label | None = Field(None, description="Only connections with this label.")
    q: SafeStr = Field("", max_length=MAX_QUERY_PARAM, description="Part of a name or headline.")


class ConnectionPatchIn(InSchema):
    """Send one or both fields. Both are private: only you ever see them."""

    label: Label | None = Field(
        None, description='Your label for this contact; null (or `""`) clears it.'
    )
    network_type: NetworkType | None = Field(
        None, description='Override the proposed network; null (or `""`) returns to the proposal.'
    )

    @field_validator("label", "network_type", mode="before")
    @classmethod
    def _blank_is_null(cls, value: Any) -> Any:
        return None if value == "" else value


class ConnectionOut(Schema):
    """Your side of a connection (the other member holds their own, which you never see)."""

    member: MemberSummaryOut
    label: Label | None = Field(..., description="Your private label, or null.")
    label_notice: str | None = Field(
        ..., description="A reminder shown with some labels (patient: professional boundaries)."
    )
    proposed_type: NetworkType = Field(..., description="The network Rounds proposes.")
    override_type: NetworkType | None = Field(..., description="Your override, or null.")
    network_type: NetworkType = Field(..., description="Your override if set, else the proposal.")
    last_interaction_at: datetime | None
    connected_at: datetime


def connection_out(request: HttpRequest, side: Connection) -> dict[str, Any]:
    """The viewer's own ``side`` (``owner`` is the viewer), contact summary included."""
    return {
        "member": member_summary_out(request, side.other),
        "label": side.label or None,
        "label_notice": PATIENT_NOTICE if side.label == Label.PATIENT else None,
        "proposed_type": side.proposed_type,
        "override_type": side.override_type or None,
        "network_type": side.network_type,
        "last_interaction_at": side.last_interaction_at,
        "connected_at": side.created_at,
    }


def connection_row_out(request: HttpRequest, row: tuple[Any, ...]) -> dict[str, Any]:
    """``connection_out`` of a ``selectors.CONNECTION_ROW_FIELDS`` tuple (no model instances)."""
    label, proposed, override, interaction, created, handle, name, headline, role, avatar = row
    if handle is None:
        member = member_summary_out(request, None)
    else:
        member = {
            "handle": handle,
            "display_name": name,
            "headline": headline,
            "role": role,
            "avatar_url": absolute_url(request, _avatar_url(avatar)),
        }
    return {
        "member": member,
        "label": label or None,
        "label_notice": PATIENT_NOTICE if label == Label.PATIENT else None,
        "proposed_type": proposed,
        "override_type": override or None,
        "network_type": override or proposed,
        "last_interaction_at": interaction,
        "connected_at": created,
    }


def _avatar_url(name: str | None) -> str | None:
    from rounds.profiles.models import Profile

    return Profile._meta.get_field("avatar").storage.url(name) if name else None  # type: ignore[attr-defined]


class NetworkCountsOut(Schema):
    operational: int
    personal: int
    strategic: int


class ConnectionCountsOut(NetworkCountsOut):
    total: int


def connection_counts_out(counts: dict[str, int]) -> dict[str, int]:
    return {**{t: counts.get(t, 0) for t in NetworkType.values}, "total": sum(counts.values())}


# --- follows and relationships ---------------------------------------------------------------


class RelationshipOut(Schema):
    """How you relate to a member (what a profile's buttons need)."""

    handle: str
    is_self: bool
    connected: bool
    connected_at: datetime | None
    pending: Direction | None = Field(
        ..., description="A pending request between you: `incoming` (to you) or `outgoing`."
    )
    incoming_request_id: int | None = Field(..., description="Accept or decline it by this id.")
    outgoing_request_id: int | None = Field(..., description="Withdraw it by this id.")
    following: bool = Field(..., description="You follow them.")
    followed_by: bool = Field(..., description="They follow you.")
    blocked_by_me: bool
    follower_count: int
    following_count: int


def relationship_out(handle: str, rel: Relationship) -> dict[str, Any]:
    incoming, outgoing = rel.incoming_request, rel.outgoing_request
    return {
        "handle": handle,
        "is_self": rel.is_self,
        "connected": rel.connection is not None,
        "connected_at": rel.connection.created_at if rel.connection else None,
        "pending": "incoming" if incoming else "outgoing" if outgoing else None,
        "incoming_request_id": incoming.pk if incoming else None,
        "outgoing_request_id": outgoing.pk if outgoing else None,
        "following": rel.following,
        "followed_by": rel.followed_by,
        "blocked_by_me": rel.blocked_by_me,
        "follower_count": rel.follower_count,
        "following_count": rel.following_count,
    }


# --- blocks ----------------------------------------------------------------------------------


class BlockIn(InSchema):
    handle: Handle


class BlockOut(Schema):
    member: MemberSummaryOut
    blocked_at: datetime


def block_out(request: HttpRequest, entry: Block) -> dict[str, Any]:
    return {"member": member_summary_out(request, entry.blocked), "blocked_at": entry.created_at}


# --- interactions ----------------------------------------------------------------------------


class InteractionIn(InSchema):
    handle: Handle
    kind: InteractionKind = Field(..., description="`met` (in person) or `call`.")
    occurred_at: AwareDatetime | None = Field(
        None, description="When, with a time zone (ISO 8601); now if left out. Not in the future."
    )

    @field_validator("occurred_at")
    @classmethod
    def _not_too_early(cls, value: datetime | None) -> datetime | None:
        if value is not None and value < EARLIEST_INTERACTION:
            raise ValueError("Give a date after 1900.")
        return value


class InteractionOut(Schema):
    member: MemberSummaryOut
    kind: Interaction.Kind
    occurred_at: datetime


def interaction_out(request: HttpRequest, entry: Interaction, other: Any) -> dict[str, Any]:
    return {
        "member": member_summary_out(request, other),
        "kind": entry.kind,
        "occurred_at": entry.occurred_at,
    }


# --- health ----------------------------------------------------------------------------------


class HealthParams(Schema):
    dormant_days: DormantDays = Field(
        DormantDays.HALF_YEAR,
        description="A tie is dormant after this many days without interaction.",
    )


class NetworkSharesOut(Schema):
    operational: float
    personal: float
    strategic: float


class MetricOut(Schema):
    key: str
    label: str
    value: float | None = Field(..., description="Null when it cannot be computed (no ties).")
    display: str
    explanation: str = Field(..., description="What the number means, in one line.")
    next_step: str = Field(..., description="One concrete thing to do next.")


class HealthOut(Schema):
    """Your network's health. Only you can see it."""

    size: int
    counts: NetworkCountsOut
    shares: NetworkSharesOut = Field(..., description="Share of each network, 0–1.")
    active: int = Field(..., description="Ties with an interaction in the last 90 days.")
    dormant: int = Field(..., description="Ties without one in the last `dormant_days` days.")
    dormant_days: DormantDays
    weakest: NetworkType | None = Field(..., description="Your smallest network.")
    metrics: list[MetricOut]


def health_out(report: HealthReport, dormant_days: int) -> dict[str, Any]:
    return {
        "size": report.size,
        "counts": {t: report.counts.get(t, 0) for t in NetworkType.values},
        "shares": {t: report.shares.get(t, 0.0) for t in NetworkType.values},
        "active": report.active,
        "dormant": report.dormant,
        "dormant_days": int(dormant_days),
        "weakest": report.weakest,
        "metrics": [
            {
                "key": m.key,
                "label": m.label,
                "value": m.value,
                "display": m.display,
                "explanation": m.explanation,
                "next_step": m.next_step,
            }
            for m in report.metrics
        ],
    }


# --- recommendations -------------------------------------------------------------------------


class RecommendationParams(Schema):
    kind: RecommendationKind = Field(
        "people",
        description=(
            "`people`: people you may know (mutual connections, shared organizations, "
            "specialties, goals); `strategic`: members outside your organizations who would "
            "grow your strategic network."
        ),
    )
    limit: int = Field(10, ge=1, le=30, description="How many (at most 30).")


class RecommendationOut(Schema):
    member: MemberCardOut
    score: float
    mutual: int = Field(..., description="Mutual connections.")
    reasons: list[str] = Field(..., description='Why, e.g. "3 mutual connections".')


class RecommendationsOut(Schema):
    kind: RecommendationKind
    items: list[RecommendationOut]


class DismissalOut(Schema):
    handle: str
    until: datetime = Field(..., description="Not recommended to you again before this.")


def recommendation_out(
    request: HttpRequest, rec: Recommendation, *, card: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``rec`` with its member ``card`` (``profiles.schemas.member_cards_by_pk``), or else the
    card of the profile the selector attached."""
    if card is None:
        assert rec.profile is not None  # the selector drops recommendations without a profile
        card = member_card_out(request, rec.profile)
    return {
        "member": card,
        "score": rec.score,
        "mutual": rec.mutual,
        "reasons": list(rec.reasons),
    }
