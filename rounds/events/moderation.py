"""Reportable events (see rounds.moderation.registry).

``Event`` carries ``ModeratedFields``: a hidden or removed event vanishes from every list
(``access.visible_events_q``) and its page is a 404 to everyone but its organizers, who see
that it was hidden and why. A group's event is acted on by the group's moderators too; other
events by site staff. A member can report only events they can see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from rounds.moderation.registry import ModerationTarget

from .access import events_visible_to
from .models import Event

EXCERPT_LENGTH = 280


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def _visible_to(viewer: Any) -> QuerySet[Event]:
    return events_visible_to(viewer)


EVENT = ModerationTarget(
    kind="event",
    model=Event,
    author_id=lambda event: event.organizer_id,
    group_id=lambda event: event.group_id,
    visible_to=_visible_to,
    excerpt=lambda event: _clip(f"{event.title} — {event.description}"),
    url=lambda event: reverse("events:detail", args=[event.pk]),
)

TARGETS = [EVENT]
