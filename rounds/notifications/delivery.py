"""Email delivery of notifications (single messages and daily digests)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import Delivery, Notification


def notification_email_send(*, notification_id: int) -> bool:
    """Email one unread, not-yet-emailed notification whose kind the recipient still wants
    right away. Returns whether a mail went out; marks it emailed in the same transaction."""
    from .services import delivery_for

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, read_at__isnull=True, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        if not recipient.is_active:
            return False
        if delivery_for(user_id=recipient.pk, kind=notification.kind) != Delivery.IMMEDIATE:
            return False
        link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
        body = f"{notification.text}\n\n{link}\n".strip() + "\n"
        EmailMessage(
            subject=f"[Rounds] {notification.text[:120]}",
            body=body,
            to=[recipient.email],
        ).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True
