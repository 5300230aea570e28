"""Writes for the network: requests and their lifecycle, connections, labels and types,
follows, blocks, interactions and recommendation dismissals.

Each service validates, then writes in one transaction, bumps the affected members'
``NetworkState.version`` (so cached health/recommendations are recomputed) and audits blocks.
A new connection or follow back-fills the home-feed inbox after commit
(``rounds.feed.services.inbox_backfill``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.policies import ensure_not_leaving
from rounds.core.audit import audit
from rounds.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from rounds.core.publishing import guard_text, publishing_path
from rounds.profiles.models import Affiliation, Profile

from .models import (
    Block,
    Connection,
    ConnectionRequest,
    Follow,
    Interaction,
    Label,
    NetworkState,
    NetworkType,
    RecommendationDismissal,
)
from .typing import MemberTraits, propose_network_type

REQUEST_LIFETIME = timedelta(days=90)
DISMISSAL_PERIOD = timedelta(days=90)
MAX_NOTE = 500
MAX_PENDING_SENT = 200

#: The personal note of a connection request passes the professionalism guard.
CONNECTION_NOTE_PATH = publishing_path(
    "network.connection_note",
    kind="connection_note",
    field="note",
    model_field="network.ConnectionRequest.note",
)


class NotPending(ApplicationError):
    """The request was already answered, withdrawn or has expired."""

    status_code = 409


# --- helpers --------------------------------------------------------------------------------


def is_blocked_between(a_id: int, b_id: int) -> bool:
    """True when either member blocks the other."""
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def _bump(user_ids: Iterable[int], **deltas: int) -> None:
    """Bump version (and optional counters) of each member's NetworkState, creating rows as needed."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    existing = set(NetworkState.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    missing = [NetworkState(user_id=i) for i in ids if i not in existing]
    if missing:
        NetworkState.objects.bulk_create(missing, ignore_conflicts=True)
    updates: dict[str, Any] = {"version": F("version") + 1}
    for name, delta in deltas.items():
        updates[name] = F(name) + delta
    NetworkState.objects.filter(user_id__in=ids).update(**updates)


def member_traits(user_ids: Iterable[int]) -> dict[int, MemberTraits]:
    """Traits used by the network-type rule, for many members in four queries."""
    ids = list(set(user_ids))
    orgs: dict[int, set[int]] = defaultdict(set)
    for uid, org in Affiliation.objects.filter(user_id__in=ids, is_current=True).values_list(
        "user_id", "organization_id"
    ):
        orgs[uid].add(org)
    profile_user = dict(Profile.objects.filter(user_id__in=ids).values_list("id", "user_id"))
    tags: dict[str, dict[int, set[int]]] = {}
    for name, column in (
        ("goals", "goal_id"),
        ("interests", "interest_id"),
        ("specialties", "specialty_id"),
    ):
        through = getattr(Profile, name).through
        mapping: dict[int, set[int]] = defaultdict(set)
        for pid, value in through.objects.filter(profile_id__in=profile_user).values_list(
            "profile_id", column
        ):
            mapping[profile_user[pid]].add(value)
        tags[name] = mapping
    return {
        uid: MemberTraits(
            organizations=frozenset(orgs[uid]),
            goals=frozenset(tags["goals"][uid]),
            interests=frozenset(tags["interests"][uid]),
            specialties=frozenset(tags["specialties"][uid]),
        )
        for uid in ids
    }


def _pending_between(a_id: int, b_id: int) -> ConnectionRequest | None:
    return (
        ConnectionRequest.objects.filter(state=ConnectionRequest.State.PENDING)
        .filter(Q(sender_id=a_id, recipient_id=b_id) | Q(sender_id=b_id, recipient_id=a_id))
        .first()
    )


def _expire_if_due(request: ConnectionRequest, now: datetime) -> bool:
    if request.state == ConnectionRequest.State.PENDING and request.expires_at <= now:
        request.state = ConnectionRequest.State.EXPIRED
        request.responded_at = now
        request.save(update_fields=["state", "responded_at", "updated_at"])
        return True
    return False


# --- requests -------------------------------------------------------------------------------


@transaction.atomic
def connection_request_send(
    *, actor: Any, recipient: Any, note: str = "", acknowledge_warnings: bool = False
) -> ConnectionRequest:
    """Ask ``recipient`` to connect, with an optional personal note (≤ 500 characters).

    Raises ValidationFailed (self, note too long, blocked by actor), NotFound (recipient blocks
    actor or is inactive: indistinguishable from a missing member), Conflict (already connected,
    or a request is already pending either way), ContentBlocked / ContentNeedsConfirmation
    (the professionalism guard's findings on the note; warnings are overridden with
    ``acknowledge_warnings``). The request expires after 90 days.
    """
    ensure_not_leaving(actor)
    if not isinstance(note, str):
        raise ValidationFailed("The note must be text.", field="note")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            f"Keep the note to {MAX_NOTE} characters (this one has {len(note)}).", field="note"
        )
    if "\x00" in note:
        raise ValidationFailed("The note contains a character that is not allowed.", field="note")
    if recipient.pk == actor.pk:
        raise ValidationFailed(
            "You cannot send a connection request to yourself.", field="recipient"
        )
    if not recipient.is_active or Block.objects.filter(blocker=recipient, blocked=actor).exists():
        raise NotFound("No member with that handle.")
    if Block.objects.filter(blocker=actor, blocked=recipient).exists():
        raise ValidationFailed(
            "You have blocked this member; unblock them first.", field="recipient"
        )
    if Connection.objects.filter(owner=actor, other=recipient).exists():
        raise Conflict("You are already connected.", field="recipient")
    now = timezone.now()
    pending = _pending_between(actor.pk, recipient.pk)
    if pending is not None and not _expire_if_due(pending, now):
        if pending.sender_id == actor.pk:
            raise Conflict("Your request is already waiting for an answer.", field="recipient")
        raise Conflict(
            "They have already asked to connect with you: accept their request instead.",
            field="recipient",
        )
    if (
        ConnectionRequest.objects.filter(
            sender=actor, state=ConnectionRequest.State.PENDING
        ).count()
        >= MAX_PENDING_SENT
    ):
        raise ValidationFailed(
            f"You have {MAX_PENDING_SENT} requests waiting; withdraw some before sending more.",
            field="recipient",
        )
    if note:  # the recipient's name in the note is a colleague's, not a patient's
        guard_text(
            actor=actor,
            path=CONNECTION_NOTE_PATH,
            text=note,
            acknowledge_warnings=acknowledge_warnings,
            colleague_names=Profile.objects.filter(user_id=recipient.pk).values_list(
                "display_name", flat=True
            ),
        )
    try:
        with transaction.atomic():
            created = ConnectionRequest.objects.create(
                sender=actor, recipient=recipient, note=note, expires_at=now + REQUEST_LIFETIME
            )
    except IntegrityError as exc:  # a concurrent request for the same pair won the race
        raise Conflict("A request between you is already pending.", field="recipient") from exc
    from rounds.notifications.models import Kind
    from rounds.notifications.services import member_name, notify

    notify(  # the note stays on the requests page; the notification only names the sender
        recipient_id=recipient.pk,
        kind=Kind.CONNECTION_REQUEST,
        actor_id=actor.pk,
        text=f"{member_name(actor.pk)[0]} asked to connect with you",
        url=reverse("network:requests"),
    )
    return created


def _locked_request(request_id: int) -> ConnectionRequest:
    request = ConnectionRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound("No such connection request.")
    return request


def _require_pending(request: ConnectionRequest) -> None:
    """Raise NotPending unless ``request`` is pending and unexpired (changes nothing: the
    periodic sweep ``connection_requests_expire`` records expiry)."""
    if request.state == ConnectionRequest.State.PENDING and request.expires_at <= timezone.now():
        raise NotPending("This request has expired.")
    if request.state != ConnectionRequest.State.PENDING:
        raise NotPending(f"This request was already {request.get_state_display().lower()}.")


@transaction.atomic
def connection_request_accept(*, actor: Any, request_id: int) -> Connection:
    """Accept a pending request addressed to ``actor``; returns actor's side of the connection.

    Raises NotFound if the request is not addressed to actor, NotPending if it was already
    answered or has expired, NotFound if either side blocks the other.
    """
    ensure_not_leaving(actor)
    request = _locked_request(request_id)
    if request.recipient_id != actor.pk:
        raise NotFound("No such connection request.")
    _require_pending(request)
    if is_blocked_between(request.sender_id, actor.pk):
        raise NotFound("No such connection request.")
    now = timezone.now()
    request.state = ConnectionRequest.State.ACCEPTED
    request.responded_at = now
    request.save(update_fields=["state", "responded_at", "updated_at"])
    accepted = connection_create(a_id=request.sender_id, b_id=actor.pk)[1]
    from rounds.notifications.models import Kind
    from rounds.notifications.services import member_name, notify

    name, handle = member_name(actor.pk)
    notify(
        recipient_id=request.sender_id,
        kind=Kind.CONNECTION_ACCEPTED,
        actor_id=actor.pk,
        text=f"{name} accepted your connection request",
        url=reverse("network:connection", args=[handle]) if handle else "",
    )
    return accepted


def connection_create(*, a_id: int, b_id: int) -> tuple[Connection, Connection]:
    """Create both sides of a connection with proposed network types (call inside a transaction)."""
    if a_id == b_id:
        raise ValidationFailed("A member cannot connect to themselves.")
    traits = member_traits([a_id, b_id])
    now = timezone.now()
    sides = []
    for owner, other in ((a_id, b_id), (b_id, a_id)):
        proposed = propose_network_type(owner=traits[owner], other=traits[other])
        sides.append(
            Connection(
                owner_id=owner, other_id=other, proposed_type=proposed, last_interaction_at=now
            )
        )
    try:
        with transaction.atomic():
            Connection.objects.bulk_create(sides)
    except IntegrityError as exc:
        raise Conflict("You are already connected.") from exc
    _bump([a_id, b_id], degree=1)
    Interaction.objects.create(
        actor_id=b_id, other_id=a_id, kind=Interaction.Kind.CONNECTED, occurred_at=now
    )
    from rounds.contacts.services import contacts_ensure_for_connections
    from rounds.feed.services import inbox_backfill_on_commit

    contacts_ensure_for_connections(sides)  # every connection is a contact, on both sides
    for side in sides:  # each one's recent posts join the other's home feed
        inbox_backfill_on_commit(member_id=side.owner_id, author_id=side.other_id)
    return sides[0], sides[1]


@transaction.atomic
def connection_request_decline(*, actor: Any, request_id: int) -> ConnectionRequest:
    """Decline a pending request addressed to ``actor``. The sender is not told."""
    request = _locked_request(request_id)
    if request.recipient_id != actor.pk:
        raise NotFound("No such connection request.")
    _require_pending(request)
    request.state = ConnectionRequest.State.DECLINED
    request.responded_at = timezone.now()
    request.save(update_fields=["state", "responded_at", "updated_at"])
    return request


@transaction.atomic
def connection_request_withdraw(*, actor: Any, request_id: int) -> ConnectionRequest:
    """Withdraw a pending request ``actor`` sent."""
    request = _locked_request(request_id)
    if request.sender_id != actor.pk:
        raise NotFound("No such connection request.")
    _require_pending(request)
    request.state = ConnectionRequest.State.WITHDRAWN
    request.responded_at = timezone.now()
    request.save(update_fields=["state", "responded_at", "updated_at"])
    return request


def connection_requests_expire(*, now: datetime | None = None) -> int:
    """Mark every pending request past its expiry as expired; returns how many."""
    now = now or timezone.now()
    return ConnectionRequest.objects.filter(
        state=ConnectionRequest.State.PENDING, expires_at__lte=now
    ).update(state=ConnectionRequest.State.EXPIRED, responded_at=now, updated_at=now)


# --- connections ----------------------------------------------------------------------------


def _my_side(actor: Any, other_id: int, *, for_update: bool = False) -> Connection:
    qs = Connection.objects.filter(owner=actor, other_id=other_id)
    if for_update:
        qs = qs.select_for_update()
    side = qs.first()
    if side is None:
        raise NotFound("You are not connected to this member.")
    return side


@transaction.atomic
def connection_remove(*, actor: Any, other_id: int) -> None:
    """Remove the connection between ``actor`` and ``other`` (both sides). NotFound if none."""
    _my_side(actor, other_id, for_update=True)
    _disconnect(actor.pk, other_id)


def _disconnect(a_id: int, b_id: int) -> bool:
    deleted, _ = Connection.objects.filter(
        Q(owner_id=a_id, other_id=b_id) | Q(owner_id=b_id, other_id=a_id)
    ).delete()
    if deleted:
        _bump([a_id, b_id], degree=-1)
        from rounds.contacts.services import contacts_mark_disconnected

        contacts_mark_disconnected(a_id=a_id, b_id=b_id)  # contacts and notes stay
    return bool(deleted)


@transaction.atomic
def connection_set_label(*, actor: Any, other_id: int, label: str) -> Connection:
    """Set ``actor``'s private label for a connection ("" clears it) and re-propose its type."""
    if label not in {"", *Label.values}:
        raise ValidationFailed("Choose one of the listed relationships.", field="label")
    side = _my_side(actor, other_id, for_update=True)
    side.label = label
    traits = member_traits([actor.pk, other_id])
    side.proposed_type = propose_network_type(
        owner=traits[actor.pk], other=traits[other_id], label=label
    )
    side.save(update_fields=["label", "proposed_type", "updated_at"])
    _bump([actor.pk])
    from rounds.contacts.services import contacts_sync_network_types

    contacts_sync_network_types(owner_ids=[actor.pk])  # the notebook mirrors the type
    return side


@transaction.atomic
def connection_set_type(*, actor: Any, other_id: int, network_type: str) -> Connection:
    """Override the proposed type ("" returns to the proposal). Private to ``actor``."""
    if network_type not in {"", *NetworkType.values}:
        raise ValidationFailed("Choose operational, personal or strategic.", field="network_type")
    side = _my_side(actor, other_id, for_update=True)
    side.override_type = network_type
    side.save(update_fields=["override_type", "updated_at"])
    _bump([actor.pk])
    from rounds.contacts.services import contacts_sync_network_types

    contacts_sync_network_types(owner_ids=[actor.pk])  # the notebook mirrors the type
    return side


def connection_types_refresh_for(*, user_id: int) -> int:
    """Recompute proposed types of every connection involving ``user_id`` (both directions)
    after their affiliations, goals, interests or specialties changed. Overrides are kept
    (the override wins at read time). Returns the number of rows changed."""
    sides = list(Connection.objects.filter(Q(owner_id=user_id) | Q(other_id=user_id)))
    if not sides:
        return 0
    traits = member_traits({s.owner_id for s in sides} | {s.other_id for s in sides})
    changed = []
    for side in sides:
        proposed = propose_network_type(
            owner=traits[side.owner_id], other=traits[side.other_id], label=side.label
        )
        if proposed != side.proposed_type:
            side.proposed_type = proposed
            changed.append(side)
    if changed:
        Connection.objects.bulk_update(changed, ["proposed_type"], batch_size=1000)
        owners = {s.owner_id for s in changed}
        _bump(owners)
        from rounds.contacts.services import contacts_sync_network_types

        contacts_sync_network_types(owner_ids=owners)  # the notebook mirrors the type
    return len(changed)


# --- follows and blocks ---------------------------------------------------------------------


@transaction.atomic
def follow(*, actor: Any, followee: Any) -> Follow:
    """Follow ``followee`` (idempotent). NotFound when they block actor; ValidationFailed for self."""
    ensure_not_leaving(actor)
    if followee.pk == actor.pk:
        raise ValidationFailed("You cannot follow yourself.", field="followee")
    if not followee.is_active or Block.objects.filter(blocker=followee, blocked=actor).exists():
        raise NotFound("No member with that handle.")
    if Block.objects.filter(blocker=actor, blocked=followee).exists():
        raise ValidationFailed(
            "You have blocked this member; unblock them first.", field="followee"
        )
    existing = Follow.objects.filter(follower=actor, followee=followee).first()
    if existing is not None:
        return existing
    created = Follow.objects.create(follower=actor, followee=followee)
    _bump([actor.pk], following_count=1)
    _bump([followee.pk], follower_count=1)
    from rounds.feed.services import inbox_backfill_on_commit

    # the followee's recent posts join the follower's home feed
    inbox_backfill_on_commit(member_id=actor.pk, author_id=followee.pk)
    return created


@transaction.atomic
def unfollow(*, actor: Any, followee_id: int) -> bool:
    """Stop following (idempotent). Returns whether a follow was removed."""
    return _unfollow(actor.pk, followee_id)


def _unfollow(follower_id: int, followee_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if deleted:
        _bump([follower_id], following_count=-1)
        _bump([followee_id], follower_count=-1)
    return bool(deleted)


@transaction.atomic
def block(*, actor: Any, blocked: Any) -> Block:
    """Block ``blocked``: removes the connection and follows both ways, closes pending requests. Audited."""
    if blocked.pk == actor.pk:
        raise ValidationFailed("You cannot block yourself.", field="blocked")
    existing = Block.objects.filter(blocker=actor, blocked=blocked).first()
    if existing is not None:
        return existing
    created = Block.objects.create(blocker=actor, blocked=blocked)
    _disconnect(actor.pk, blocked.pk)
    _unfollow(actor.pk, blocked.pk)
    _unfollow(blocked.pk, actor.pk)
    now = timezone.now()
    ConnectionRequest.objects.filter(
        state=ConnectionRequest.State.PENDING, sender=actor, recipient=blocked
    ).update(state=ConnectionRequest.State.WITHDRAWN, responded_at=now, updated_at=now)
    ConnectionRequest.objects.filter(
        state=ConnectionRequest.State.PENDING, sender=blocked, recipient=actor
    ).update(state=ConnectionRequest.State.DECLINED, responded_at=now, updated_at=now)
    _bump([actor.pk, blocked.pk])
    audit(actor=actor, action="network.block", target=created)
    return created


@transaction.atomic
def unblock(*, actor: Any, blocked_id: int) -> bool:
    """Lift a block (nothing removed by the block comes back). Audited."""
    entry = Block.objects.filter(blocker=actor, blocked_id=blocked_id).first()
    if entry is None:
        return False
    audit(actor=actor, action="network.unblock", target=entry)
    entry.delete()
    _bump([actor.pk, blocked_id])
    return True


# --- interactions and dismissals ------------------------------------------------------------


@transaction.atomic
def interaction_record(
    *, actor: Any, other_id: int, kind: str, occurred_at: datetime | None = None, source: str = ""
) -> Interaction:
    """Log that ``actor`` interacted with ``other`` and refresh "last interaction" on both sides
    of their connection (if any). Later capabilities (messages, events, mentorship) call this."""
    if kind not in Interaction.Kind.values:
        raise ValidationFailed("Unknown interaction kind.", field="kind")
    if other_id == actor.pk:
        raise ValidationFailed("An interaction needs two members.", field="other")
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationFailed("An interaction cannot be in the future.", field="occurred_at")
    entry = Interaction.objects.create(
        actor=actor, other_id=other_id, kind=kind, occurred_at=occurred_at, source=source[:80]
    )
    Connection.objects.filter(
        Q(owner_id=actor.pk, other_id=other_id) | Q(owner_id=other_id, other_id=actor.pk)
    ).filter(Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=occurred_at)).update(
        last_interaction_at=occurred_at
    )
    from rounds.contacts.services import contacts_touch

    # The keep-in-touch clock of both members' contacts of each other (only ever forward).
    contacts_touch(actor_id=actor.pk, other_id=other_id, occurred_at=occurred_at)
    _bump([actor.pk, other_id])
    return entry


@transaction.atomic
def recommendation_dismiss(*, actor: Any, candidate_id: int) -> RecommendationDismissal:
    """Hide ``candidate`` from ``actor``'s recommendations for 90 days."""
    if candidate_id == actor.pk:
        raise ValidationFailed("You cannot dismiss yourself.", field="candidate")
    until = timezone.now() + DISMISSAL_PERIOD
    dismissal, _ = RecommendationDismissal.objects.update_or_create(
        user=actor, candidate_id=candidate_id, defaults={"until": until}
    )
    _bump([actor.pk])
    return dismissal
