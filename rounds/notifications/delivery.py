"""Email delivery of notifications: one at a time ("right away") and the daily digest.

Both mark what they mailed (``Notification.emailed_at``) in the transaction that sends it,
under a row lock, so nothing is mailed twice even when a task is retried or two digest runs
overlap. Only unread notifications are mailed, only to active members, and only for kinds
the member wants by email that way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from .emails import DigestGroup, digest_email, notification_email, open_url, unsubscribe_url
from .models import Delivery, Kind, Notification

#: Members handled per batch of the digest run.
DIGEST_BATCH = 200
#: Notifications one digest covers at most (older ones wait for the next day's digest).
DIGEST_MAX_ROWS = 500
#: Notifications one digest lists; it says how many more are waiting.
DIGEST_SHOWN = 50
#: A digest covers what arrived in this window (older unread ones are in the app).
DIGEST_WINDOW = timedelta(days=7)


def _name_of(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else ""


def notification_email_send(*, notification_id: int) -> bool:
    """Email one unread, not-yet-emailed notification whose kind the recipient still wants
    right away. Returns whether a mail went out; marks it emailed in the same transaction."""
    from .services import delivery_for

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient__profile")
            .filter(pk=notification_id, read_at__isnull=True, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        if not recipient.is_active or not recipient.email:
            return False
        if delivery_for(user_id=recipient.pk, kind=notification.kind) != Delivery.IMMEDIATE:
            return False
        notification_email(notification, email=recipient.email, name=_name_of(recipient)).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@dataclass
class DigestRun:
    """What one digest run did."""

    members: int = 0
    emails: int = 0
    notifications: int = 0


def _pending(since: datetime) -> Any:
    return Notification.objects.filter(
        read_at__isnull=True, emailed_at__isnull=True, created_at__gte=since
    )


def digests_send(*, now: datetime | None = None, batch_size: int = DIGEST_BATCH) -> DigestRun:
    """Send each active member with unread, not-yet-emailed notifications of kinds they get
    "in a daily digest" ONE email listing them (grouped by kind), and mark those emailed.

    Members are walked in batches by id; per member the rows are locked, mailed and marked
    in one transaction. Members with nothing waiting (or only kinds they get right away or
    not at all) get nothing. Safe to run again: nothing is mailed twice.
    """
    from rounds.accounts.models import User

    from .selectors import deliveries_for_many

    now = now or timezone.now()
    since = now - DIGEST_WINDOW
    run = DigestRun()
    after = 0
    connection = get_connection()
    while True:
        user_ids = list(
            _pending(since)
            .filter(recipient_id__gt=after)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()[:batch_size]
        )
        if not user_ids:
            return run
        after = user_ids[-1]
        users = {
            u.pk: u
            for u in User.objects.filter(pk__in=user_ids, is_active=True)
            .exclude(email="")
            .select_related("profile")
        }
        deliveries = deliveries_for_many(list(users))
        for user_id, user in users.items():
            kinds = [k for k, d in deliveries[user_id].items() if d == Delivery.DIGEST]
            if not kinds:
                continue
            run.members += 1
            mailed = _digest_one(user, kinds=kinds, since=since, now=now, connection=connection)
            if mailed:
                run.emails += 1
                run.notifications += mailed


def _digest_one(
    user: Any, *, kinds: list[str], since: datetime, now: datetime, connection: Any
) -> int:
    """Lock, mail and mark one member's digest. Returns how many notifications it covered."""
    with transaction.atomic():
        rows = list(
            _pending(since)
            .select_for_update()
            .filter(recipient_id=user.pk, kind__in=kinds)
            .order_by("-created_at", "-id")[:DIGEST_MAX_ROWS]
        )
        if not rows:
            return 0
        by_kind: dict[str, list[Notification]] = defaultdict(list)
        for row in rows[:DIGEST_SHOWN]:
            by_kind[row.kind].append(row)
        groups = [
            DigestGroup(
                kind=kind,
                label=str(Kind(kind).label),
                items=[{"text": n.text, "url": open_url(n)} for n in by_kind[kind]],
                unsubscribe_url=unsubscribe_url(user_id=user.pk, scope=kind),
            )
            for kind in Kind.values
            if kind in by_kind
        ]
        message = digest_email(
            user_id=user.pk,
            email=user.email,
            name=_name_of(user),
            groups=groups,
            total=len(rows),
            shown=min(len(rows), DIGEST_SHOWN),
        )
        message.connection = connection
        message.send()
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=now)
    return len(rows)
