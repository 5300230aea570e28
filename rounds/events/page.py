"""What the event page and the event API show besides the event row (bench, session 5).

``selectors.event_details`` prefetches specialties, topics, skills and shifts (four queries
built per request) and ``selectors.co_organizers`` loads the co-organizers' accounts and
profiles whole; with ``access_event`` that was ~15 ms of Python for a page. Here:

- the tags (specialties, topics, skills) are a fragment cached under the event's
  ``updated_at`` (``event_update`` saves the event, bumping it, whenever it changes them);
- co-organizers and shifts are read live, with queries compiled once per process, and only
  when ``access.read_event`` found that the event has any;
- the attendee faces (``roster_preview``) are one compiled query per viewer kind, under the
  roster's rules (``selectors.roster_q``: organizers see hidden registrants, registrants see
  the consenting ones and themselves, never members blocked either way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import router
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from rounds.core.compiled import SENTINEL_ID, CompiledQuery, CompiledShapes
from rounds.core.fragments import cached_fragment

from . import policies
from .models import (
    Event,
    EventOrganizer,
    EventShift,
    Registration,
    RegistrationState,
    RosterVisibility,
)
from .rows import Named


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A member shown by name with a link to their profile."""

    handle: str
    display_name: str
    headline: str = ""
    roster_visibility: str = ""

    @property
    def url(self) -> str:
        """The profile's path (``reverse`` per name cost ~25 µs; a page shows a dozen)."""
        return member_path(self.handle)


_PLAIN_HANDLE = re.compile(r"[A-Za-z0-9_-]+")


@lru_cache(maxsize=8)
def _member_path_parts(script_prefix: str) -> tuple[str, str]:
    from django.urls import reverse

    mark = "h987654321987"
    head, tail = reverse("profiles:detail", args=[mark]).split(mark, 1)
    return head, tail


def member_path(handle: str) -> str:
    """``reverse("profiles:detail", args=[handle])``, joined from a template for plain handles."""
    if _PLAIN_HANDLE.fullmatch(handle):
        from django.urls import get_script_prefix

        head, tail = _member_path_parts(get_script_prefix())
        return f"{head}{handle}{tail}"
    from django.urls import reverse

    return reverse("profiles:detail", args=[handle])


@dataclass(frozen=True)
class Details:
    specialties: list[Named]
    topics: list[Named]
    skills: list[Named]
    shifts: list[EventShift]
    co_organizers: list[PersonRef]


def _tags(event: Event) -> dict[str, list[Named]]:
    """Specialties and topics (by name) and skills (by name), cached under ``updated_at``."""

    def build() -> dict[str, list[Named]]:
        return {
            "specialties": [Named(*r) for r in event.specialties.values_list("slug", "name")],
            "topics": [Named(*r) for r in event.topics.values_list("slug", "name")],
            "skills": [Named(*r) for r in event.skills.values_list("slug", "name")],
        }

    return cached_fragment("event-tags", event.pk, event.updated_at, build)


def _co_organizer_rows(*, event_id: int) -> QuerySet[Any]:
    return (
        EventOrganizer.objects.filter(event_id=event_id, user__profile__isnull=False)
        .order_by("created_at", "id")
        .values_list("user__profile__handle", "user__profile__display_name")
    )


CO_ORGANIZER_ROWS = CompiledQuery(_co_organizer_rows, sentinels={"event_id": SENTINEL_ID})

_SHIFT_COLUMNS = tuple(f.attname for f in EventShift._meta.concrete_fields)


def _shift_rows(*, event_id: int) -> QuerySet[Any]:
    return EventShift.objects.filter(event_id=event_id).values_list(*_SHIFT_COLUMNS)


SHIFT_ROWS = CompiledQuery(_shift_rows, sentinels={"event_id": SENTINEL_ID})


def details_shifts(event: Event) -> list[EventShift]:
    """The event's shifts (model order: start, id), one compiled query."""
    using = router.db_for_read(Event)
    return [
        EventShift.from_db(using, _SHIFT_COLUMNS, row)
        for row in SHIFT_ROWS.rows(event_id=event.pk, using=using)
    ]


def details(event: Event) -> Details:
    """The event's tags, shifts (model order: start, id) and co-organizers (in the order they
    were added; those without a profile left out)."""
    using = router.db_for_read(Event)
    tags = _tags(event)
    shifts: list[EventShift] = []
    co_organizers: list[PersonRef] = []
    if getattr(event, "_has_shifts", True):
        shifts = details_shifts(event)
    if getattr(event, "_has_co_organizers", True):
        co_organizers = [
            PersonRef(handle, name)
            for handle, name in CO_ORGANIZER_ROWS.rows(event_id=event.pk, using=using)
        ]
    return Details(
        specialties=tags["specialties"],
        topics=tags["topics"],
        skills=tags["skills"],
        shifts=shifts,
        co_organizers=co_organizers,
    )


# --- the attendee faces ------------------------------------------------------------------------

_GOING = (RegistrationState.GOING, RegistrationState.ATTENDED)


def _preview_rows(manager: bool, *, event_id: int, viewer_id: int) -> QuerySet[Any]:
    from rounds.accounts.models import User
    from rounds.network.models import Block

    qs = Registration.objects.filter(event_id=event_id, state__in=_GOING)
    if not manager:
        qs = qs.filter(
            Q(roster_visibility=RosterVisibility.REGISTRANTS) | Q(user_id=viewer_id)
        ).filter(
            ~Q(Exists(Block.objects.filter(blocker_id=viewer_id, blocked_id=OuterRef("user_id")))),
            ~Q(Exists(Block.objects.filter(blocker_id=OuterRef("user_id"), blocked_id=viewer_id))),
        )
    active = User.objects.filter(pk=OuterRef("user_id")).values("is_active")[:1]
    return (
        qs.filter(Q(Subquery(active)))
        .order_by("state", "id")
        .values_list(
            "user__profile__handle",
            "user__profile__display_name",
            "user__profile__headline",
            "roster_visibility",
        )
    )


def _preview_sentinels(manager: bool) -> dict[str, Any]:
    if manager:  # organizers see every registrant: the viewer is not in the query
        return {"event_id": SENTINEL_ID}
    return {"event_id": SENTINEL_ID, "viewer_id": SENTINEL_ID - 1}


def _preview_build(shape: tuple[bool, int], **values: Any) -> QuerySet[Any]:
    manager, limit = shape
    return _preview_rows(manager, **values)[:limit]


PREVIEW_ROWS = CompiledShapes(
    _preview_build, sentinels=lambda shape: _preview_sentinels(shape[0]), limit=8
)


def roster_preview(*, viewer: Any, event: Event, limit: int) -> list[PersonRef]:
    """``selectors.roster_preview`` as ``PersonRef``s (the same members in the same order):
    the first ``limit`` members going, in registration order, as ``viewer`` may see them.
    Callers check ``policies.can_see_roster`` first (nobody else sees anyone)."""
    manager = policies.can_manage_registrations(viewer, event)
    if not manager and not policies.is_registrant(viewer, event):
        return []
    rows = PREVIEW_ROWS.rows(
        (manager, limit),
        event_id=event.pk,
        viewer_id=viewer.pk,
        using=router.db_for_read(Registration),
    )
    return [
        PersonRef(handle, name, headline or "", visibility)
        for handle, name, headline, visibility in rows
        if handle is not None
    ]
