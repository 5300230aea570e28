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

from functools import lru_cache
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from rounds.core.errors import NotFound
from rounds.core.http import MAX_ID
from rounds.moderation.registry import ModerationState

from . import policies
from .models import Event, EventOrganizer, EventShift, Registration, State


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


def can_see_event(viewer: Any, event: Event, *, organizer_blocked: bool | None = None) -> bool:
    """``organizer_blocked``: whether the organizer and the viewer blocked each other, when
    the caller loaded it with the event (``read_event``); read from the blocks otherwise."""
    if policies.can_edit(viewer, event):
        return True
    if event.state == State.DRAFT:
        return False
    if event.moderation_state != ModerationState.VISIBLE:
        return False
    if _member(viewer) and event.organizer_id is not None:
        if organizer_blocked is None:
            from rounds.community.selectors import blocked_ids_for

            organizer_blocked = event.organizer_id in blocked_ids_for(viewer)
        if organizer_blocked:
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


# --- the read pages' gatekeeper (bench, session 5) ------------------------------------------------
#
# ``access_event`` builds a queryset with three ``select_related`` joins (~200 columns: the
# organizer's whole account and profile), an annotation and a prefetch: ~8 ms of Python per
# request for an event page. ``read_event`` answers the same question for the read-only pages
# (event page and API, roster, who to meet) with one query compiled once per process: the
# event's own columns, what is shown of its organizer and organization, and for a member their
# co-organizer flag, their registration (a filtered join) and whether the organizer and they
# blocked each other. A group's event goes through ``access_event`` (group visibility needs
# the viewer's membership); writes keep ``access_event`` (``for_update``).


@lru_cache(maxsize=1)
def _event_columns() -> tuple[str, ...]:
    return tuple(f.attname for f in Event._meta.concrete_fields)


@lru_cache(maxsize=1)
def _registration_columns() -> tuple[str, ...]:
    return tuple(f.attname for f in Registration._meta.concrete_fields)


_RELATED_COLUMNS = (
    "organizer__profile__id",
    "organizer__profile__handle",
    "organizer__profile__display_name",
    "organization__slug",
    "organization__name",
)
#: Whether the event has co-organizers and shifts (the page loads them only then).
_FLAGS = ("_has_co_organizers", "_has_shifts")


def _event_for_read(member: bool, *, event_id: int, viewer_id: Any) -> QuerySet[Any]:
    from django.db.models import FilteredRelation

    from rounds.network.models import Block

    qs = Event.objects.filter(pk=event_id).annotate(
        _has_co_organizers=Exists(EventOrganizer.objects.filter(event=OuterRef("pk"))),
        _has_shifts=Exists(EventShift.objects.filter(event=OuterRef("pk"))),
    )
    columns: list[str] = [*_event_columns(), *_RELATED_COLUMNS, *_FLAGS]
    if member:
        qs = qs.annotate(
            _mine=FilteredRelation("registrations", condition=Q(registrations__user_id=viewer_id)),
            _co=Exists(EventOrganizer.objects.filter(event=OuterRef("pk"), user_id=viewer_id)),
            _blocked=Exists(
                Block.objects.filter(blocker_id=viewer_id, blocked_id=OuterRef("organizer_id"))
            ),
            _blocking=Exists(
                Block.objects.filter(blocker_id=OuterRef("organizer_id"), blocked_id=viewer_id)
            ),
            # Whether the viewer blocked or was blocked by anyone at all: most members never
            # were, and then the roster's rules need no query of their blocks.
            _any_block=Exists(
                Block.objects.filter(Q(blocker_id=viewer_id) | Q(blocked_id=viewer_id))
            ),
        )
        columns += ["_co", "_blocked", "_blocking", "_any_block"]
        columns += [f"_mine__{name}" for name in _registration_columns()]
    return qs.order_by().values_list(*columns)[:1]


def _read_sentinels(member: bool) -> dict[str, Any]:
    from rounds.core.compiled import SENTINEL_ID

    return (
        {"event_id": SENTINEL_ID, "viewer_id": SENTINEL_ID - 1}
        if member
        else {"event_id": SENTINEL_ID}
    )


def _compiled_reader() -> Any:
    from rounds.core.compiled import CompiledShapes

    return CompiledShapes(_event_for_read, sentinels=_read_sentinels, limit=4)


EVENT_FOR_READ = _compiled_reader()


def _member_reader() -> Any:
    """The compiled ``read_event`` query of a member (one object per process: the navigation
    prefetch recognises it by identity)."""
    return EVENT_FOR_READ.query(True, names=("event_id", "viewer_id"))


def read_event_prefetch(
    request: Any, viewer_id: int, kwargs: dict[str, Any]
) -> tuple[Any, dict[str, Any]] | None:
    """The page's ``read_event`` query, read with the viewer's account in one round trip
    (``core.navigation``; set as the view's ``navigation_prefetch``: one row or none)."""
    try:
        pk = int(kwargs.get("event_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > MAX_ID:
        return None
    return _member_reader(), {"event_id": pk, "viewer_id": viewer_id}


def _partial(model: Any, using: str, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """An instance of ``model`` with only ``names`` loaded (the rest deferred). ``from_db``
    takes a partial row in the model's field order: put them in it."""
    given = dict(zip(names, values, strict=True))
    ordered = tuple(f.attname for f in model._meta.concrete_fields if f.attname in given)
    return model.from_db(using, ordered, tuple(given[name] for name in ordered))


def read_event(viewer: Any, event_id: Any) -> Event:
    """``access_event(viewer, event_id)`` for read-only pages: the same event (an ``Event``
    with its organizer's profile handle and name, its organization's slug and name, and the
    viewer's registration and co-organizer flag remembered for ``policies``), or NotFound
    under the same rules (``can_see_event``)."""
    from django.db import router

    from rounds.accounts.models import User
    from rounds.profiles.models import Organization, Profile

    try:
        pk = int(event_id)
    except (TypeError, ValueError):
        raise NotFound("No event at that address.") from None
    if pk <= 0 or pk > MAX_ID:
        raise NotFound("No event at that address.")
    from rounds.core.navigation import prefetched_rows

    member = _member(viewer)
    using = router.db_for_read(Event)
    rows = None
    if member:  # read with the account when the view asked for it (``read_event_prefetch``)
        rows = prefetched_rows(_member_reader(), event_id=pk, viewer_id=viewer.pk)
    if rows is None:
        rows = EVENT_FOR_READ.rows(
            member, event_id=pk, viewer_id=viewer.pk if member else None, using=using
        )
    if not rows:
        raise NotFound("No event at that address.")
    row = rows[0]
    columns = _event_columns()
    count = len(columns)
    event = Event.from_db(using, columns, row[:count])
    if event.group_id is not None:
        return access_event(viewer, pk)
    profile_id, handle, display_name, organization_slug, organization_name = row[count : count + 5]
    event._has_co_organizers, event._has_shifts = row[count + 5 : count + 7]  # type: ignore[attr-defined]
    rest = row[count + 7 :]
    if event.organizer_id is None:
        Event.organizer.field.set_cached_value(event, None)
    else:
        organizer = _partial(User, using, ("id",), (event.organizer_id,))
        profile = (
            _partial(
                Profile,
                using,
                ("id", "user_id", "handle", "display_name"),
                (profile_id, event.organizer_id, handle, display_name),
            )
            if profile_id is not None
            else None
        )
        User.profile.related.set_cached_value(organizer, profile)
        Event.organizer.field.set_cached_value(event, organizer)
    if event.organization_id is None:
        Event.organization.field.set_cached_value(event, None)
    else:
        organization = _partial(
            Organization,
            using,
            ("id", "slug", "name"),
            (event.organization_id, organization_slug, organization_name),
        )
        Event.organization.field.set_cached_value(event, organization)
    blocked: bool | None = None
    if member:
        co_organizer, blocked_by_viewer, blocking_viewer, any_block, *registration_values = rest
        blocked = bool(blocked_by_viewer or blocking_viewer)
        if not any_block and getattr(viewer, "_community_blocked_ids", None) is None:
            # ``community.selectors.blocked_ids_for`` keeps the viewer's blocks on the viewer
            # for the request: none, as just read (the roster's rules ask for them).
            viewer._community_blocked_ids = set()
        registration = None
        if registration_values and registration_values[0] is not None:
            registration = Registration.from_db(
                using, _registration_columns(), tuple(registration_values)
            )
            Registration.event.field.set_cached_value(registration, event)
        policies.remember_viewer(
            event, viewer.pk, co_organizer=bool(co_organizer), registration=registration
        )
    if not can_see_event(viewer, event, organizer_blocked=blocked):
        raise NotFound("No event at that address.")
    return event
