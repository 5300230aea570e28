"""Background tasks of notifications: thin wrappers that take primary keys and call a service.

Locally (ImmediateBackend) they run right after the request's transaction commits; in
production a worker runs them (``manage.py rqworker --job-class django_tasks_rq.Job``,
docs/deployment.md).
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification_email(*, notification_id: int) -> bool:
    """Email one notification now (skipped if read, already emailed, or preference changed)."""
    from .delivery import notification_email_send

    return notification_email_send(notification_id=notification_id)


@task()
def send_digests() -> int:
    """Send the daily digests (the ``send_digests`` command does the same from cron).
    Returns how many emails went out."""
    from .delivery import digests_send

    return digests_send().emails


@task()
def prune_notifications() -> int:
    """Delete read notifications older than 180 days. Returns how many."""
    from .services import notifications_prune

    return notifications_prune()
