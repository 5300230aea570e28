"""``{% event_follow_ups as reminders %}``: the signed-in member's pending event follow-ups,
for the reminder on their home page (``events/met_home_reminder.html``)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def event_follow_ups(context: Any, limit: int = 3) -> list[Any]:
    """Events the member went to that ended in the last 30 days and still wait for their
    follow-up (``selectors_prepare.follow_ups_for``; one or two queries)."""
    from rounds.events.selectors_prepare import follow_ups_for

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return follow_ups_for(viewer=user, limit=limit)


@register.simple_tag(takes_context=True)
def event_prepare_links(context: Any, event: Any) -> dict[str, Any]:
    """What the event page offers the viewer for preparing and following up (no query: the
    viewer's registration came with the event from ``access_event``): ``prepare`` (a
    registrant: goal and who to meet), ``met`` (went, and the event has started), and the
    registration's ``goal``."""
    from django.utils import timezone

    from rounds.events import preparation
    from rounds.events.models import State
    from rounds.events.policies import registration_of

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or event.state == State.DRAFT:
        return {}
    registration = registration_of(user, event)
    started = event.starts_at <= timezone.now()
    return {
        "prepare": preparation.can_prepare(user, event),
        "met": preparation.can_record_meetings(user, event)
        and started
        and event.state == State.PUBLISHED,
        "goal": registration.goal if registration is not None else "",
        "follow_up": registration.follow_up if registration is not None else "",
    }
