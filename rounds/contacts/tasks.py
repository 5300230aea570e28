"""Background tasks of the notebook: thin wrappers that call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def send_keep_in_touch_nudges() -> int:
    """Tell each member how many contacts fell due since their last nudge (one notification
    per member per run). Schedule daily (see ``manage.py send_keep_in_touch_nudges``)."""
    from .services import keep_in_touch_nudges_send

    return keep_in_touch_nudges_send()
