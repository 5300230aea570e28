"""Writes for notifications. ``notify`` is the one door every capability uses.

Contract for callers (messages, network, community, events, mentorship, contacts, moderation):

    from rounds.notifications.models import Kind
    from rounds.notifications.services import notify

    notify(recipient_id=other.pk, kind=Kind.MESSAGE, actor_id=actor.pk,
           text="Ana Ruiz sent you a message", url="/messages/12/")

Call it inside the caller's transaction: the in-app row commits or rolls back with the
action, and the email (when the member wants it right away) is queued only after commit.
``url`` must be a path on this site ("/messages/12/"); anything else is refused.

The rest: the member marks notifications read (one, on opening, or all), chooses email
delivery per kind, unsubscribes through a signed link, and old read notifications are pruned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from rounds.core.audit import audit
from rounds.core.errors import NotFound, ValidationFailed

from .access import access_notification_by_id
from .models import DEFAULT_DELIVERY, Delivery, Kind, Notification, NotificationPreference
from .unsubscribe import ALL, InvalidToken, read_token

logger = logging.getLogger(__name__)

MAX_TEXT = 300
MAX_URL = 500
#: Read notifications older than this may be pruned.
PRUNE_AFTER = timedelta(days=180)
PRUNE_BATCH = 5_000


def delivery_for(*, user_id: int, kind: str) -> str:
    """The member's email delivery for ``kind`` (their preference, else the default)."""
    chosen = (
        NotificationPreference.objects.filter(user_id=user_id, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or DEFAULT_DELIVERY.get(kind, Delivery.DIGEST)


def is_internal_url(url: str) -> bool:
    """True for a path on this site ("/network/requests/?page=2"), False for anything that
    could lead elsewhere ("//evil.example", "https://…", "/\\evil", control characters)."""
    if not isinstance(url, str) or not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    if any(ord(c) < 33 or ord(c) == 127 or c == "\\" for c in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=None)


def member_name(user_id: int | None) -> tuple[str, str]:
    """``(display name, handle)`` of a member for a notification's text and link
    (``("A member", "")`` without a profile)."""
    from rounds.profiles.models import Profile

    if user_id is None:
        return "A member", ""
    found = Profile.objects.filter(user_id=user_id).values_list("display_name", "handle").first()
    return (found[0], found[1]) if found else ("A member", "")


def notify(
    *,
    recipient_id: int,
    kind: str,
    text: str,
    url: str = "",
    actor_id: int | None = None,
) -> Notification | None:
    """Tell ``recipient`` that ``kind`` happened. Returns None (and records nothing) when the
    actor is the recipient or the recipient has blocked the actor.

    Raises ValidationFailed for an unknown kind, an empty text, or a url that is not a path
    on this site. Side effect after commit: when the recipient's delivery for ``kind`` is
    "immediate", a background task emails it (``tasks.send_notification_email``).
    """
    from rounds.network.models import Block

    if kind not in Kind.values:
        raise ValidationFailed("Unknown notification kind.", field="kind")
    if url and (len(url) > MAX_URL or not is_internal_url(url)):
        raise ValidationFailed("A notification links only to a page of this site.", field="url")
    text = " ".join(str(text).replace("\x00", "").split())
    if not text:
        raise ValidationFailed("A notification needs a text.", field="text")
    if actor_id is not None and actor_id == recipient_id:
        return None
    if (
        actor_id is not None
        and Block.objects.filter(blocker_id=recipient_id, blocked_id=actor_id).exists()
    ):
        return None
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    notification = Notification.objects.create(
        recipient_id=recipient_id, kind=kind, actor_id=actor_id, text=text, url=url
    )
    if delivery_for(user_id=recipient_id, kind=kind) == Delivery.IMMEDIATE:
        notification_id = notification.pk
        transaction.on_commit(lambda: _enqueue_email(notification_id))
    return notification


def _enqueue_email(notification_id: int) -> None:
    """Queue the email of a committed notification. If the queue is unreachable the action
    has already happened: log it rather than fail the member's request (the notification
    is in the app either way)."""
    from .tasks import send_notification_email

    try:
        send_notification_email.enqueue(notification_id=notification_id)
    except Exception:
        logger.exception("Could not queue the email of notification %s", notification_id)


# --- reading ---------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, actor: Any, notification_id: int) -> Notification:
    """Mark one of ``actor``'s notifications read (idempotent). NotFound for anyone else's."""
    notification = access_notification_by_id(actor, notification_id, for_update=True)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_open(*, actor: Any, notification_id: int) -> str:
    """Mark the notification read and return where to go: its page on this site, or ""
    when it has none (or a stored url is not a path here). NotFound for anyone else's."""
    notification = notification_mark_read(actor=actor, notification_id=notification_id)
    return notification.url if is_internal_url(notification.url) else ""


@transaction.atomic
def notifications_mark_all_read(*, actor: Any, up_to_id: int | None = None) -> int:
    """Mark ``actor``'s unread notifications read; with ``up_to_id``, only those up to that id
    (the newest the member saw), so one that arrived meanwhile stays unread. Returns how many."""
    queryset = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True)
    if up_to_id is not None:
        queryset = queryset.filter(pk__lte=up_to_id)
    return queryset.update(read_at=timezone.now())


# --- email preferences -----------------------------------------------------------------------


def _validated_changes(changes: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    valid: dict[str, str] = {}
    for kind, delivery in changes.items():
        if kind not in Kind.values:
            errors.setdefault("kind", []).append(f"Unknown notification kind “{str(kind)[:60]}”.")
        elif delivery not in Delivery.values:
            errors.setdefault(kind, []).append(
                "Choose “Email right away”, “In a daily digest” or “No email”."
            )
        else:
            valid[kind] = delivery
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    return valid


@transaction.atomic
def preferences_update(*, actor: Any, changes: Mapping[str, Any]) -> dict[str, str]:
    """Set ``actor``'s email delivery for the given kinds (``{kind: delivery}``); kinds not
    named keep theirs. All or nothing: ValidationFailed names each bad kind or delivery.
    Returns every kind's delivery afterwards."""
    from .selectors import deliveries_for

    valid = _validated_changes(changes)
    current = deliveries_for(user_id=actor.pk)
    # Only real changes are stored: a kind the member leaves at its default follows the default.
    changed = [
        NotificationPreference(user_id=actor.pk, kind=kind, delivery=delivery)
        for kind, delivery in valid.items()
        if current[kind] != delivery
    ]
    if changed:
        NotificationPreference.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["delivery", "updated_at"],
        )
    current.update(valid)
    return current


@transaction.atomic
def email_off(*, user_id: int, scope: str) -> list[str]:
    """Turn email off for one kind, or every kind (``scope="all"``). Returns the kinds."""
    kinds = list(Kind.values) if scope == ALL else [scope]
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user_id=user_id, kind=kind, delivery=Delivery.OFF)
            for kind in kinds
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["delivery", "updated_at"],
    )
    return kinds


@dataclass(frozen=True, slots=True)
class UnsubscribeTarget:
    """Who a valid unsubscribe link is for, and what it stops."""

    user: Any
    scope: str

    @property
    def is_all(self) -> bool:
        return self.scope == ALL

    @property
    def kind_label(self) -> str:
        return "" if self.is_all else str(Kind(self.scope).label)


def unsubscribe_target(*, token: str) -> UnsubscribeTarget:
    """Check an unsubscribe token. ValidationFailed (field ``token``) when it was altered or
    made for something else; NotFound when its member no longer exists."""
    from rounds.accounts.models import User

    try:
        found = read_token(token)
    except InvalidToken as exc:
        raise ValidationFailed(
            "This unsubscribe link is not valid. It may have been cut short or changed.",
            field="token",
        ) from exc
    user = User.objects.filter(pk=found.user_id).first()
    if user is None:
        raise NotFound("This unsubscribe link belongs to an account that no longer exists.")
    return UnsubscribeTarget(user=user, scope=found.scope)


@transaction.atomic
def unsubscribe(*, token: str) -> UnsubscribeTarget:
    """Apply a signed unsubscribe link: email for its kind (or all email) is turned off.
    Idempotent. Audited with ids and the scope only. Errors as ``unsubscribe_target``."""
    target = unsubscribe_target(token=token)
    email_off(user_id=target.user.pk, scope=target.scope)
    audit(actor=target.user, action="notifications.unsubscribe", scope=target.scope)
    return target


# --- housekeeping ----------------------------------------------------------------------------


def notifications_prune(*, now: datetime | None = None, older_than: timedelta = PRUNE_AFTER) -> int:
    """Delete read notifications created more than ``older_than`` ago, in batches. Unread
    ones are kept whatever their age. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
    while True:
        ids = list(
            Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).values_list(
                "pk", flat=True
            )[:PRUNE_BATCH]
        )
        if not ids:
            return deleted
        count, _ = Notification.objects.filter(pk__in=ids).delete()
        deleted += count
