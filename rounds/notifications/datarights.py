"""The member's data in notifications, for export and erasure (the data-rights contract).

Export: every notification addressed to the member (text, kind, link, when it arrived, was
read and emailed) and their email delivery for every kind (their choices and the defaults
they follow). Nothing about anyone else: who caused a notification is not exported beyond
the system-written text the member already saw.

Erase: the member's notifications and preferences, and every notification the member caused
for others ("Ana Ruiz accepted your connection request" names them). The foreign keys cascade
too; deleting explicitly keeps the contract visible and independent of ``on_delete``.
Notifications are private, so there is nothing to keep as "Former member": ``anonymise``
changes nothing here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import DEFAULT_DELIVERY, Kind, Notification, NotificationPreference


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_member_data(user: Any) -> dict[str, Any]:
    """``{"notifications": [...], "notification_settings": {...}}`` for ``user``."""
    notifications = [
        {
            "id": n.pk,
            "kind": n.kind,
            "kind_label": str(Kind(n.kind).label),
            "text": n.text,
            "url": n.url,
            "created_at": _iso(n.created_at),
            "read_at": _iso(n.read_at),
            "emailed_at": _iso(n.emailed_at),
        }
        for n in Notification.objects.filter(recipient_id=user.pk).order_by("created_at", "id")
    ]
    chosen = {
        p.kind: p for p in NotificationPreference.objects.filter(user_id=user.pk).order_by("kind")
    }
    settings = {
        "email": user.email,
        "email_delivery": [
            {
                "kind": kind,
                "label": str(Kind(kind).label),
                "delivery": chosen[kind].delivery if kind in chosen else DEFAULT_DELIVERY[kind],
                "chosen_by_member": kind in chosen,
                "chosen_at": _iso(chosen[kind].updated_at) if kind in chosen else None,
            }
            for kind in Kind.values
        ],
    }
    return {"notifications": notifications, "notification_settings": settings}


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Delete the member's notifications, those they caused for others, and their email
    preferences. Called inside the deletion's transaction, before the User row goes."""
    Notification.objects.filter(Q(recipient_id=user.pk) | Q(actor_id=user.pk)).delete()
    NotificationPreference.objects.filter(user_id=user.pk).delete()
