"""The emails of notifications: one notification, or the daily digest.

Plain text with an HTML alternative, both from ``templates/emails/``. Every email carries a
signed one-click unsubscribe link (RFC 8058): the ``List-Unsubscribe`` header (with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``) and a footer link, plus a link to the
preferences page. Links are absolute (``settings.SITE_URL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Kind, Notification
from .unsubscribe import ALL, make_token

SUBJECT_PREFIX = "[Rounds] "
MAX_SUBJECT = 120


def absolute(path: str) -> str:
    """``path`` on this site as an absolute link for an email."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def unsubscribe_url(*, user_id: int, scope: str) -> str:
    """The signed one-click unsubscribe link for ``user_id`` and ``scope`` (kind or "all")."""
    token = make_token(user_id=user_id, scope=scope)
    return absolute(reverse("notifications:unsubscribe", args=[token]))


def open_url(notification: Notification) -> str:
    """Opening a notification from an email marks it read, like in the app."""
    return absolute(reverse("notifications:open", args=[notification.pk]))


def _subject(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_SUBJECT:
        text = text[: MAX_SUBJECT - 1] + "…"
    return SUBJECT_PREFIX + text


def _message(
    *, to: str, subject: str, template: str, context: dict[str, Any], unsubscribe: str
) -> EmailMultiAlternatives:
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "preferences_url": absolute(reverse("notifications:preferences")),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def notification_email(
    notification: Notification, *, email: str, name: str
) -> EmailMultiAlternatives:
    """The email of one notification; unsubscribing from it stops this kind of email."""
    user_id = notification.recipient_id
    unsubscribe_kind = unsubscribe_url(user_id=user_id, scope=notification.kind)
    return _message(
        to=email,
        subject=_subject(notification.text),
        template="notification",
        context={
            "name": name,
            "notification": notification,
            "kind_label": Kind(notification.kind).label,
            "open_url": open_url(notification),
            "unsubscribe_kind_url": unsubscribe_kind,
            "unsubscribe_all_url": unsubscribe_url(user_id=user_id, scope=ALL),
        },
        unsubscribe=unsubscribe_kind,
    )


@dataclass(frozen=True, slots=True)
class DigestGroup:
    kind: str
    label: str
    items: list[dict[str, str]]  # {"text", "url"}
    unsubscribe_url: str


def digest_email(
    *, user_id: int, email: str, name: str, groups: list[DigestGroup], total: int, shown: int
) -> EmailMultiAlternatives:
    """The daily digest: the member's unread notifications grouped by kind. The header's
    one-click unsubscribe stops all email; the footer also offers one link per kind."""
    unsubscribe_all = unsubscribe_url(user_id=user_id, scope=ALL)
    noun = "notification" if total == 1 else "notifications"
    return _message(
        to=email,
        subject=f"{SUBJECT_PREFIX}Your daily digest: {total} new {noun}",
        template="digest",
        context={
            "name": name,
            "groups": groups,
            "total": total,
            "more": total - shown,
            "list_url": absolute(reverse("notifications:list")),
            "unsubscribe_all_url": unsubscribe_all,
        },
        unsubscribe=unsubscribe_all,
    )
