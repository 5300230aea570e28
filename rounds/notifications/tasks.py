"""Background tasks of notifications: thin wrappers that take primary keys and call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification_email(*, notification_id: int) -> None:
    """Email one notification now (skipped if read, already emailed, or preference changed)."""
    from .delivery import notification_email_send

    notification_email_send(notification_id=notification_id)
