"""Data rights of the network: connections, requests, follows, blocks, interactions and
dismissed recommendations.

Export: only the member's own side of each tie (their label and type — never the other
member's), requests sent and received with their notes, follows both ways, the blocks the
member made (never who blocked them), the interactions they logged, their dismissals.
Erase: the cascade removes every row involving the member (both sides of a connection, notes
sent and received); this keeps the other members' counters right (degree, followers,
following) and bumps their network version so cached health and recommendations recompute.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import (
    Block,
    Connection,
    ConnectionRequest,
    Follow,
    Interaction,
    NetworkState,
    RecommendationDismissal,
)
from .services import _bump

EXPORT_DESCRIPTIONS = {
    "connections": (
        "Your connections: who, since when, your private label, the network type Rounds "
        "proposed and the one you chose, and when you last interacted. Only your side: the "
        "other member's label and type stay theirs."
    ),
    "connection_requests": (
        "Connection requests you sent and received, with their personal notes and what "
        "became of them."
    ),
    "follows": "Members you follow, and members who follow you.",
    "blocks": "Members you blocked.",
    "interactions": "Interactions recorded for you (messages, meetings, calls, check-ins).",
    "recommendations_dismissed": "Members you asked us not to recommend, and until when.",
    "network_counts": "Your number of connections, followers and members you follow.",
}


def _person(user: Any) -> dict[str, Any]:
    """Another member as their public handle and name (no private fields)."""
    profile = getattr(user, "profile", None)
    return {
        "handle": profile.handle if profile is not None else None,
        "name": profile.display_name if profile is not None else None,
    }


def export_member_data(user: Any) -> dict[str, Any]:
    """The member's network (see EXPORT_DESCRIPTIONS)."""
    connections = [
        {
            "member": _person(side.other),
            "connected_at": side.created_at,
            "label": side.label,
            "proposed_type": side.proposed_type,
            "chosen_type": side.override_type,
            "network_type": side.network_type,
            "last_interaction_at": side.last_interaction_at,
        }
        for side in Connection.objects.filter(owner=user)
        .select_related("other__profile")
        .order_by("created_at", "id")
    ]
    requests = [
        {
            "direction": "sent" if request.sender_id == user.pk else "received",
            "member": _person(
                request.recipient if request.sender_id == user.pk else request.sender
            ),
            "note": request.note,
            "state": request.state,
            "sent_at": request.created_at,
            "responded_at": request.responded_at,
            "expires_at": request.expires_at,
        }
        for request in ConnectionRequest.objects.filter(Q(sender=user) | Q(recipient=user))
        .select_related("sender__profile", "recipient__profile")
        .order_by("created_at", "id")
    ]
    follows = {
        "following": [
            {"member": _person(f.followee), "since": f.created_at}
            for f in Follow.objects.filter(follower=user)
            .select_related("followee__profile")
            .order_by("created_at", "id")
        ],
        "followers": [
            {"member": _person(f.follower), "since": f.created_at}
            for f in Follow.objects.filter(followee=user)
            .select_related("follower__profile")
            .order_by("created_at", "id")
        ],
    }
    blocks = [
        {"member": _person(b.blocked), "since": b.created_at}
        for b in Block.objects.filter(blocker=user)
        .select_related("blocked__profile")
        .order_by("created_at", "id")
    ]
    interactions = [
        {
            "member": _person(i.other),
            "kind": i.kind,
            "occurred_at": i.occurred_at,
            "source": i.source,
        }
        for i in Interaction.objects.filter(actor=user)
        .select_related("other__profile")
        .order_by("occurred_at", "id")
    ]
    dismissed = [
        {"member": _person(d.candidate), "until": d.until, "dismissed_at": d.created_at}
        for d in RecommendationDismissal.objects.filter(user=user)
        .select_related("candidate__profile")
        .order_by("created_at", "id")
    ]
    state = NetworkState.objects.filter(user=user).first()
    counts = {
        "connections": state.degree if state else 0,
        "followers": state.follower_count if state else 0,
        "following": state.following_count if state else 0,
    }
    return {
        "connections": connections,
        "connection_requests": requests,
        "follows": follows,
        "blocks": blocks,
        "interactions": interactions,
        "recommendations_dismissed": dismissed,
        "network_counts": counts,
    }


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Correct the other members' counters for the ties the cascade is about to remove and
    bump their network versions. ``anonymise`` changes nothing: ties are never public
    contributions, and notes are private texts (always erased, by the cascade)."""
    pk = user.pk
    connected = list(Connection.objects.filter(owner_id=pk).values_list("other_id", flat=True))
    followed = list(Follow.objects.filter(follower_id=pk).values_list("followee_id", flat=True))
    followers = list(Follow.objects.filter(followee_id=pk).values_list("follower_id", flat=True))
    for ids, counter in (
        (connected, "degree"),
        (followed, "follower_count"),
        (followers, "following_count"),
    ):
        if ids:
            _bump(ids, **{counter: -1})
    touched: set[int] = set()
    for sender, recipient in ConnectionRequest.objects.filter(
        Q(sender_id=pk) | Q(recipient_id=pk), state=ConnectionRequest.State.PENDING
    ).values_list("sender_id", "recipient_id"):
        touched.update((sender, recipient))
    for blocker, blocked in Block.objects.filter(Q(blocker_id=pk) | Q(blocked_id=pk)).values_list(
        "blocker_id", "blocked_id"
    ):
        touched.update((blocker, blocked))
    touched.update(
        RecommendationDismissal.objects.filter(candidate_id=pk).values_list("user_id", flat=True)
    )
    touched.discard(pk)
    touched.difference_update(connected, followed, followers)
    if touched:
        _bump(touched)
