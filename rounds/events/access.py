"""The gatekeeper: an event the viewer may see, or NotFound.

Who sees an event:
- a draft: its organizers (and site staff);
- a published or cancelled event outside a group: everyone, signed in or not, except members
  blocked by (or blocking) the organizer;
- a group's event: whoever may read the group's content (public group: everyone; private or
  secret group: its active members), plus the event's organizers;
- hidden or removed by moderation: its organizers only (they see why).
Missing and forbidden look the same: 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from rounds.core.errors import NotFound
from rounds.core.http import MAX_ID
from rounds.moderation.registry import ModerationState

from . import policies
from .models import Event, EventOrganizer, Registration, State


def _member(viewer: Any) -> bool:
    return viewer is not None and viewer.is_authenticated


def visible_events_q(viewer: Any, *, prefix: str = "") -> Q:
    """The one visibility rule for lists (discovery, my events, group pages, API, feeds):
    published or cancelled, not moderated away, readable group (or none), no block either way.
    Organizers' own drafts are not included: lists of "my organizing" add them explicitly."""
    from rounds.community.selectors import blocked_ids_for, readable_group_ids

    p = prefix
    q = Q(**{f"{p}state__in": (State.PUBLISHED, State.CANCELLED)}) & Q(
        **{f"{p}moderation_state": ModerationState.VISIBLE}
    )
    q &= Q(**{f"{p}group__isnull": True}) | Q(**{f"{p}group_id__in": readable_group_ids(viewer)})
    if _member(viewer):
        blocked = blocked_ids_for(viewer)
        if blocked:
            q &= ~Q(**{f"{p}organizer_id__in": blocked})
    return q


def events_visible_to(viewer: Any) -> QuerySet[Event]:
    return Event.objects.filter(visible_events_q(viewer))


def access_event(viewer: Any, event_id: Any, *, for_update: bool = False) -> Event:
    """The event ``event_id`` if ``viewer`` may see it; NotFound otherwise. The viewer's
    registration and co-organizer flag come in the same round trip (``policies`` reads them).
    ``for_update`` locks the event row (registration services: capacity under concurrency)."""
    try:
        pk = int(event_id)
    except (TypeError, ValueError):
        raise NotFound("No event at that address.") from None
    if pk <= 0 or pk > MAX_ID:
        raise NotFound("No event at that address.")
    qs = Event.objects.select_related("organizer__profile", "organization", "group")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    if _member(viewer):
        qs = qs.annotate(
            _viewer_co_organizer=Exists(
                EventOrganizer.objects.filter(event=OuterRef("pk"), user_id=viewer.pk)
            )
        ).prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.filter(user_id=viewer.pk),
                to_attr="_viewer_registrations",
            )
        )
    event = qs.filter(pk=pk).first()
    if event is None:
        raise NotFound("No event at that address.")
    if _member(viewer):
        rows = getattr(event, "_viewer_registrations", [])
        policies.remember_viewer(
            event,
            viewer.pk,
            co_organizer=bool(getattr(event, "_viewer_co_organizer", False)),
            registration=rows[0] if rows else None,
        )
    if not can_see_event(viewer, event):
        raise NotFound("No event at that address.")
    return event


def can_see_event(viewer: Any, event: Event) -> bool:
    if policies.can_edit(viewer, event):
        return True
    if event.state == State.DRAFT:
        return False
    if event.moderation_state != ModerationState.VISIBLE:
        return False
    if _member(viewer) and event.organizer_id is not None:
        from rounds.community.selectors import blocked_ids_for

        if event.organizer_id in blocked_ids_for(viewer):
            return False
    if event.group_id is not None:
        from rounds.community import policies as group_policies

        group = event.group
        assert group is not None
        if _member(viewer):
            from rounds.community.access import _remember_membership, _with_viewer_membership
            from rounds.community.models import Group

            if not hasattr(group, "_viewer_memberships"):
                group = _with_viewer_membership(Group.objects.filter(pk=group.pk), viewer).first()
                if group is None:
                    return False
                event.group = group
            _remember_membership(group, viewer)
        return group_policies.can_see_group(viewer, group) and group_policies.can_read_group(
            viewer, group
        )
    return True
