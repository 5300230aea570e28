"""JSON API for the three networks: connection requests, connections (with your private labels
and network types), follows, blocks, interactions, network health and recommendations.

Thin endpoints: parse (schemas) → resolve members through ``access_profile_by_handle`` (or,
for entries of your own lists, through your own viewer-scoped selector) → one service or
selector → serialise (schemas.py). Nothing here takes another member's id for private data:
labels, types, health and recommendations are always the signed-in member's own.

Two routers: ``router`` at ``/network`` (the viewer's own network) and ``members_router`` at
``/members`` (follows, followers, following and relationship of a member, by handle).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Status

from rounds.core.api_utils import (
    MAX_ID,
    PageOut,
    PageParams,
    error_responses,
    member_auth,
    optional_auth,
    page_out,
    trusted_json,
    viewer_of,
)
from rounds.core.errors import ApplicationError, NotFound, ValidationFailed
from rounds.core.pagination import Page, paginate
from rounds.guard.schemas import GuardErrorOut
from rounds.profiles.access import MAX_KEY_LENGTH, access_profile_by_handle
from rounds.profiles.schemas import MemberCardOut, member_card_out, member_cards_by_pk

from .models import Connection
from .schemas import (
    BlockIn,
    BlockOut,
    ConnectionCountsOut,
    ConnectionListParams,
    ConnectionOut,
    ConnectionPatchIn,
    DismissalOut,
    HealthOut,
    HealthParams,
    InteractionIn,
    InteractionOut,
    RecommendationParams,
    RecommendationsOut,
    RelationshipOut,
    RequestIn,
    RequestListParams,
    RequestOut,
    block_out,
    connection_counts_out,
    connection_out,
    connection_row_out,
    health_out,
    interaction_out,
    recommendation_out,
    relationship_out,
    request_out,
)
from .selectors import (
    blocked_list_for,
    connection_counts_for,
    connection_list_for,
    connection_rows_page,
    followers_of,
    following_of,
    incoming_requests_for,
    network_health_for,
    network_snapshot,
    outgoing_requests_for,
    relationship_between,
)
from .services import (
    block,
    connection_remove,
    connection_request_accept,
    connection_request_decline,
    connection_request_send,
    connection_request_withdraw,
    connection_set_label,
    connection_set_type,
    follow,
    interaction_record,
    recommendation_dismiss,
    unblock,
    unfollow,
)

router = Router(tags=["network"], auth=member_auth)

#: What ``connection_out`` reads of a connection and its contact's profile.
CONNECTION_OUT_FIELDS = (
    "owner_id",
    "other_id",
    "label",
    "proposed_type",
    "override_type",
    "last_interaction_at",
    "created_at",
    "other__id",
    "other__profile__id",
    "other__profile__user_id",
    "other__profile__handle",
    "other__profile__display_name",
    "other__profile__headline",
    "other__profile__role",
    "other__profile__avatar",
)
members_router = Router(tags=["network"])

_NO_REQUEST = "No such connection request."
#: Request ids are checked by ``_request_id`` (out of range is a 404, not a 422).
_REQUEST_ID = Path(..., description="The request's id (from the requests list or a relationship).")
_NOT_CONNECTED = "You are not connected to this member."


# --- helpers ---------------------------------------------------------------------------------


@contextmanager
def _input_field(*service_fields: str) -> Iterator[None]:
    """Report a service's field errors under ``handle``, the field the client sent.

    Services name the member by role (``recipient``, ``followee``, ``blocked``...); the API
    names them all ``handle``.
    """
    try:
        yield
    except ApplicationError as exc:
        for name in service_fields:
            if name in exc.errors:
                exc.errors.setdefault("handle", []).extend(exc.errors.pop(name))
        raise


def _request_id(value: int) -> int:
    """A request id from the path: ids no database can hold name no request (404, not 500)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(_NO_REQUEST)
    return value


def _member(request: HttpRequest, handle: str) -> Any:
    """The user at ``handle`` if the viewer may see them (NotFound otherwise)."""
    return access_profile_by_handle(viewer_of(request), handle).user


def _contact_id(viewer: Any, handle: str) -> int:
    """The id of the member at ``handle`` among the viewer's own connections (NotFound if none).

    Resolved inside the viewer's own list so a connection can be managed whatever became of
    the other member's profile since.
    """
    if not handle or len(handle) > MAX_KEY_LENGTH or "\x00" in handle:
        raise NotFound(_NOT_CONNECTED)
    other_id = (
        connection_list_for(viewer=viewer)
        .filter(other__profile__handle__iexact=handle)
        .values_list("other_id", flat=True)
        .first()
    )
    if other_id is None:
        raise NotFound(_NOT_CONNECTED)
    return other_id


def _blocked_id(viewer: Any, handle: str) -> int:
    """The id of the member at ``handle`` among those the viewer blocked (NotFound if none).

    Resolved inside the viewer's own block list: a member who blocked you back is invisible
    to you, yet you can still lift your own block.
    """
    if not handle or len(handle) > MAX_KEY_LENGTH or "\x00" in handle:
        raise NotFound("You have not blocked this member.")
    blocked_id = (
        blocked_list_for(viewer=viewer)
        .filter(blocked__profile__handle__iexact=handle)
        .values_list("blocked_id", flat=True)
        .first()
    )
    if blocked_id is None:
        raise NotFound("You have not blocked this member.")
    return blocked_id


def _side_out(request: HttpRequest, viewer: Any, side: Connection) -> dict[str, Any]:
    """The viewer's ``side`` fresh from a service, reloaded with the contact's profile."""
    return connection_out(request, connection_list_for(viewer=viewer).get(pk=side.pk))


# --- requests --------------------------------------------------------------------------------


@router.get(
    "/requests",
    response={200: PageOut[RequestOut], **error_responses(401, 422)},
    summary="Your pending connection requests",
    description=(
        "`direction=incoming` (the default): requests sent to you, to accept or decline. "
        "`direction=outgoing`: requests you sent, to withdraw. Pending and unexpired only "
        "(requests expire after 90 days), newest first."
    ),
)
def request_list(request: HttpRequest, params: Query[RequestListParams]) -> dict[str, Any]:
    viewer = viewer_of(request)
    selector = incoming_requests_for if params.direction == "incoming" else outgoing_requests_for
    page = paginate(selector(viewer=viewer), page=params.page, size=params.page_size)
    return page_out(page, lambda req: request_out(request, viewer, req))


@router.post(
    "/requests",
    response={201: RequestOut, **error_responses(400, 401, 403, 404, 409), 422: GuardErrorOut},
    summary="Ask a member to connect",
    description=(
        "With an optional personal note of at most 500 characters. Yourself, or a member you "
        "blocked, is a 422; a member you cannot see is a 404; already connected, or a request "
        "already pending between you (either way), is a 409. The note passes the "
        "professionalism guard: patient information is a 422 with `guard` findings; warnings "
        "are a 422 with `guard.needs_confirmation` until you resend with "
        "`acknowledge_warnings: true`."
    ),
)
def request_send(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    recipient = _member(request, payload.handle)
    with _input_field("recipient"):
        sent = connection_request_send(
            actor=viewer,
            recipient=recipient,
            note=payload.note,
            acknowledge_warnings=payload.acknowledge_warnings,
        )
    return Status(201, request_out(request, viewer, sent))


@router.post(
    "/requests/{request_id}/accept",
    response={200: ConnectionOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Accept a connection request",
    description=(
        "Only a pending request sent to you (anything else is a 404). Already answered, "
        "withdrawn or expired is a 409 and changes nothing. Returns the new connection as you "
        "see it, with the network type Rounds proposes."
    ),
)
def request_accept(request: HttpRequest, request_id: int = _REQUEST_ID) -> dict[str, Any]:
    viewer = viewer_of(request)
    side = connection_request_accept(actor=viewer, request_id=_request_id(request_id))
    return _side_out(request, viewer, side)


@router.post(
    "/requests/{request_id}/decline",
    response={200: RequestOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Decline a connection request",
    description="Only a pending request sent to you. The sender is not told.",
)
def request_decline(request: HttpRequest, request_id: int = _REQUEST_ID) -> dict[str, Any]:
    viewer = viewer_of(request)
    declined = connection_request_decline(actor=viewer, request_id=_request_id(request_id))
    return request_out(request, viewer, declined)


@router.post(
    "/requests/{request_id}/withdraw",
    response={200: RequestOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Withdraw a connection request you sent",
    description="Only a pending request you sent (anything else is a 404).",
)
def request_withdraw(request: HttpRequest, request_id: int = _REQUEST_ID) -> dict[str, Any]:
    viewer = viewer_of(request)
    withdrawn = connection_request_withdraw(actor=viewer, request_id=_request_id(request_id))
    return request_out(request, viewer, withdrawn)


# --- connections -----------------------------------------------------------------------------


@router.get(
    "/connections",
    response={200: PageOut[ConnectionOut], **error_responses(401, 422)},
    summary="Your connections",
    description=(
        "Your side of each connection, newest first: the contact, your private label and the "
        "network type (proposed, your override, and the one in effect). Filter by `type` "
        "(the type in effect), `label` and `q` (part of a name or headline)."
    ),
)
def connection_list(request: HttpRequest, params: Query[ConnectionListParams]) -> HttpResponse:
    if not (params.type or params.label or params.q):
        # The plain list (what clients ask for most): one compiled query, no model instances.
        rows, has_next = connection_rows_page(
            viewer=viewer_of(request), page=params.page, size=params.page_size
        )
        items = [connection_row_out(request, row) for row in rows]
        payload = page_out(Page(items, params.page, params.page_size, has_next), lambda i: i)
        return trusted_json(payload, PageOut[ConnectionOut])
    qs = connection_list_for(
        viewer=viewer_of(request),
        network_type=params.type.value if params.type else "",
        label=params.label.value if params.label else "",
        q=params.q,
    ).only(*CONNECTION_OUT_FIELDS)  # the contact's account row is not needed, only its profile
    page = paginate(qs, page=params.page, size=params.page_size)
    payload = page_out(page, lambda side: connection_out(request, side))
    return trusted_json(payload, PageOut[ConnectionOut])


@router.get(
    "/connection-counts",
    response={200: ConnectionCountsOut, **error_responses(401)},
    summary="How many connections you have in each network",
    description=(
        "By the network type in effect (your override, else the proposal). Not under "
        "`/connections/` so that no handle can collide with it."
    ),
)
def connection_counts(request: HttpRequest) -> dict[str, int]:
    return connection_counts_out(connection_counts_for(viewer=viewer_of(request)))


@router.patch(
    "/connections/{handle}",
    response={200: ConnectionOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Label a connection or set its network",
    description=(
        'Both fields are private to you. `label`: one of the listed relationships (`""` or '
        "null clears it; the proposed network is recomputed). `network_type`: `operational`, "
        '`personal` or `strategic` overrides the proposal; `""` or null returns to it. '
        "Someone you are not connected to is a 404."
    ),
)
def connection_patch(request: HttpRequest, handle: str, payload: ConnectionPatchIn) -> Any:
    viewer = viewer_of(request)
    changes = payload.model_dump(mode="json", exclude_unset=True)
    if not changes:
        raise ValidationFailed("Send `label`, `network_type` or both.", field="__all__")
    other_id = _contact_id(viewer, handle)
    with transaction.atomic():  # both changes or neither
        if "label" in changes:
            side = connection_set_label(
                actor=viewer, other_id=other_id, label=changes["label"] or ""
            )
        if "network_type" in changes:
            side = connection_set_type(
                actor=viewer, other_id=other_id, network_type=changes["network_type"] or ""
            )
    return _side_out(request, viewer, side)


@router.delete(
    "/connections/{handle}",
    response={204: None, **error_responses(401, 403, 404)},
    summary="Remove a connection",
    description="Removes both sides; the other member is not told. Not connected is a 404.",
)
def connection_delete(request: HttpRequest, handle: str) -> Status[None]:
    viewer = viewer_of(request)
    connection_remove(actor=viewer, other_id=_contact_id(viewer, handle))
    return Status(204, None)


# --- blocks ----------------------------------------------------------------------------------


@router.get(
    "/blocks",
    response={200: PageOut[BlockOut], **error_responses(401, 422)},
    summary="Members you blocked",
    description="Newest first.",
)
def block_list(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    page = paginate(
        blocked_list_for(viewer=viewer_of(request)), page=params.page, size=params.page_size
    )
    return page_out(page, lambda entry: block_out(request, entry))


@router.post(
    "/blocks",
    response={201: BlockOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Block a member",
    description=(
        "They can no longer see your profile, send you requests, follow you, message you or "
        "appear in your recommendations. Your connection, follows both ways and pending "
        "requests between you are removed (they do not come back when you unblock). Blocking "
        "again is harmless. Yourself is a 422."
    ),
)
def block_create(request: HttpRequest, payload: BlockIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    blocked = _member(request, payload.handle)
    with _input_field("blocked"):
        entry = block(actor=viewer, blocked=blocked)
    entry = blocked_list_for(viewer=viewer).get(pk=entry.pk)
    return Status(201, block_out(request, entry))


@router.delete(
    "/blocks/{handle}",
    response={204: None, **error_responses(401, 403, 404)},
    summary="Unblock a member",
    description="A member you have not blocked is a 404.",
)
def block_delete(request: HttpRequest, handle: str) -> Status[None]:
    viewer = viewer_of(request)
    unblock(actor=viewer, blocked_id=_blocked_id(viewer, handle))
    return Status(204, None)


# --- interactions ----------------------------------------------------------------------------


@router.post(
    "/interactions",
    response={201: InteractionOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Note that you met or called a member",
    description=(
        "Keeps your network's “active” and “dormant” ties true: the connection's last "
        "interaction moves forward (for both of you). `occurred_at` needs a time zone and may "
        "not be in the future; it defaults to now."
    ),
)
def interaction_create(request: HttpRequest, payload: InteractionIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    other = _member(request, payload.handle)
    with _input_field("other"):
        entry = interaction_record(
            actor=viewer, other_id=other.pk, kind=payload.kind, occurred_at=payload.occurred_at
        )
    return Status(201, interaction_out(request, entry, other))


# --- health ----------------------------------------------------------------------------------


@router.get(
    "/health",
    response={200: HealthOut, **error_responses(401, 422)},
    summary="Your network's health",
    description=(
        "Size and share of each network, active and dormant ties, diversity (Blau index), "
        "reach beyond your organization (E-I index), Burt's effective size and constraint: "
        "each with a one-line explanation and a next step. Only ever your own."
    ),
)
def health(request: HttpRequest, params: Query[HealthParams]) -> dict[str, Any]:
    days = int(params.dormant_days)
    return health_out(network_health_for(viewer=viewer_of(request), dormant_days=days), days)


# --- recommendations -------------------------------------------------------------------------


@router.get(
    "/recommendations",
    response={200: RecommendationsOut, **error_responses(401, 422)},
    summary="Members to connect with",
    description=(
        "`kind=people`: people you may know. `kind=strategic`: members outside your "
        "organizations who share your goals or interests and bridge to new circles. Each with "
        "its reasons. Never members you are connected to, have a pending request with, "
        "blocked or are blocked by, or dismissed in the last 90 days. Only ever your own."
    ),
)
def recommendation_list(request: HttpRequest, params: Query[RecommendationParams]) -> HttpResponse:
    viewer = viewer_of(request)
    kind = "pymk" if params.kind == "people" else "strategic"
    recs = network_snapshot(viewer=viewer, kinds=[kind]).recommendations[kind][: params.limit]
    # The member cards come from the shared card cache (keyed by each profile's updated_at).
    cards = member_cards_by_pk(
        request, [(rec.card.profile_id, rec.card.updated_at) for rec in recs if rec.card]
    )
    items = [
        recommendation_out(request, rec, card=cards[rec.card.profile_id])
        for rec in recs
        if rec.card and rec.card.profile_id in cards
    ]
    return trusted_json({"kind": params.kind, "items": items}, RecommendationsOut)


@router.post(
    "/recommendations/{handle}/dismiss",
    response={200: DismissalOut, **error_responses(401, 403, 404, 422)},
    summary="Dismiss a recommendation",
    description="The member is not recommended to you again for 90 days.",
)
def recommendation_dismiss_endpoint(request: HttpRequest, handle: str) -> dict[str, Any]:
    viewer = viewer_of(request)
    profile = access_profile_by_handle(viewer, handle)
    with _input_field("candidate"):
        dismissal = recommendation_dismiss(actor=viewer, candidate_id=profile.user_id)
    return {"handle": profile.handle, "until": dismissal.until}


# --- members: follows and relationships ------------------------------------------------------


def _relationship(request: HttpRequest, handle: str) -> dict[str, Any]:
    viewer = viewer_of(request)
    profile = access_profile_by_handle(viewer, handle)
    return relationship_out(profile.handle, relationship_between(viewer=viewer, other=profile.user))


@members_router.get(
    "/{handle}/relationship",
    auth=member_auth,
    response={200: RelationshipOut, **error_responses(401, 404)},
    summary="How you relate to a member",
    description=(
        "Connected or not, a pending request either way (with its id), follows both ways, "
        "whether you blocked them, and their follower and following counts."
    ),
)
def relationship(request: HttpRequest, handle: str) -> dict[str, Any]:
    return _relationship(request, handle)


@members_router.put(
    "/{handle}/follow",
    auth=member_auth,
    response={200: RelationshipOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Follow a member",
    description=(
        "One-way, no approval. Idempotent: following again changes nothing. Yourself, or a "
        "member you blocked, is a 422. Returns your relationship with the new counts."
    ),
)
def follow_put(request: HttpRequest, handle: str) -> dict[str, Any]:
    with _input_field("followee"):
        follow(actor=viewer_of(request), followee=_member(request, handle))
    return _relationship(request, handle)


@members_router.delete(
    "/{handle}/follow",
    auth=member_auth,
    response={200: RelationshipOut, **error_responses(401, 403, 404)},
    summary="Stop following a member",
    description="Idempotent: not following is not an error. Returns your relationship.",
)
def follow_delete(request: HttpRequest, handle: str) -> dict[str, Any]:
    unfollow(actor=viewer_of(request), followee_id=_member(request, handle).pk)
    return _relationship(request, handle)


@members_router.get(
    "/{handle}/followers",
    auth=optional_auth,
    response={200: PageOut[MemberCardOut], **error_responses(401, 404, 422)},
    summary="A member's followers",
    description="Those you may see, by name (visitors: public profiles only).",
)
def follower_list(request: HttpRequest, handle: str, params: Query[PageParams]) -> dict[str, Any]:
    viewer = viewer_of(request)
    profile = access_profile_by_handle(viewer, handle)
    page = paginate(
        followers_of(viewer=viewer, user=profile.user), page=params.page, size=params.page_size
    )
    return page_out(page, lambda card: member_card_out(request, card))


@members_router.get(
    "/{handle}/following",
    auth=optional_auth,
    response={200: PageOut[MemberCardOut], **error_responses(401, 404, 422)},
    summary="Whom a member follows",
    description="Those you may see, by name (visitors: public profiles only).",
)
def following_list(request: HttpRequest, handle: str, params: Query[PageParams]) -> dict[str, Any]:
    viewer = viewer_of(request)
    profile = access_profile_by_handle(viewer, handle)
    page = paginate(
        following_of(viewer=viewer, user=profile.user), page=params.page, size=params.page_size
    )
    return page_out(page, lambda card: member_card_out(request, card))
