"""An event's roster, read once per change and kept in the cache (issue 7, bench).

The roster page and API list an event's registrants by name. Sorting a 2,000-registrant
event's registrations by their members' names takes PostgreSQL ~25 ms (two index probes per
registrant: the account's ``is_active`` and the profile's name) on every page, and the event
page's attendee faces read the same registrations again. The *whole* roster, every active
registration of the event in roster order with what the pages show of each member, is the same
for every viewer; only who may see which row differs. So:

- **one snapshot per event and version** (``roster_snapshot``): the rows of
  ``selectors.roster`` for an organizer (every active registration of an active member, by
  name then id) as plain tuples, built by one query on a miss and kept in the shared cache
  and, per process, in memory (``LocalCopies``: the key names its content);
- **its key names everything it was read from**: the event's **roster version**, a token that
  changes at once and again on commit with every save or delete of one of the event's
  registrations or shifts (signals below; every write of a registration goes through a
  service and ``save()``/``delete()``), and the **directory version**
  (``profiles.search_cache``: every save or delete of a profile or account, so a rename, a
  new headline or handle, a deactivation) — plus the event's counters, so that a dataset
  rebuilt under an old cache is never read;
- **who sees what is decided per request, uncached** (``visible_entries``,
  ``preview_entries``): exactly the rules of ``selectors.roster_q`` and ``_active_user``
  (organizers: every active registration; registrants: going/attended/interested members who
  chose "registrants" and themselves, never members blocked either way, read live).

Writes that bypass ``save()`` (``QuerySet.update``, bulk loads) are not seen by the signals;
the event's counters in the key and ``FRAGMENT_TIMEOUT`` bound them, as for the directory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import router, transaction

from rounds.core.cache import LocalCopies
from rounds.core.fragments import FRAGMENT_TIMEOUT, fragment_version

from . import policies
from .models import Event, Registration, RegistrationState, RosterVisibility

ACTIVE_STATES = (
    RegistrationState.GOING,
    RegistrationState.INTERESTED,
    RegistrationState.WAITLISTED,
    RegistrationState.ATTENDED,
)
GOING_STATES = (RegistrationState.GOING, RegistrationState.ATTENDED)
#: What a registrant (not an organizer) may see of others.
REGISTRANT_STATES = (*GOING_STATES, RegistrationState.INTERESTED)

_VERSION_PREFIX = "events:roster-version:"

#: Snapshots kept in this process: up to this many rows in all (a 2,000-registrant event is
#: one 2,000th of it), each for ``LOCAL_COPY_SECONDS``.
_LOCAL = LocalCopies(max_chars=400_000, measure=len)


@dataclass(frozen=True, slots=True)
class Entry:
    """One registration on the roster as the pages show it."""

    registration_id: int
    user_id: int
    state: str
    roster_visibility: str
    shift_id: int | None
    handle: str | None
    display_name: str | None
    headline: str | None

    @property
    def listed(self) -> bool:
        return self.roster_visibility == RosterVisibility.REGISTRANTS


# --- the version ---------------------------------------------------------------------------------


def _version_key(event_id: int) -> str:
    return f"{_VERSION_PREFIX}{int(event_id)}"


def roster_changed(event_id: int) -> None:
    """One of the event's registrations (or shifts) changed: new snapshot keys at once (readers
    in the same transaction) and again on commit (a reader that cached the old rows in between
    did so under a version no later reader asks for)."""
    key = _version_key(event_id)

    def bump() -> None:
        cache.set(key, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump, using=router.db_for_write(Registration))


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.event_id is not None:
        roster_changed(instance.event_id)


def connect_signals() -> None:
    """Every save or delete of a registration or a shift changes its event's roster version
    (``EventsConfig.ready``)."""
    from django.db.models.signals import post_delete, post_save

    from .models import EventShift

    for model in (Registration, EventShift):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"roster-{model.__name__}-save")
        post_delete.connect(
            _on_change, sender=model, dispatch_uid=f"roster-{model.__name__}-delete"
        )


def roster_stamp(event: Event) -> str:
    """The key of ``event``'s current snapshot: one cache round trip (the roster version and
    the directory version together). The pages put it in their page keys."""
    from rounds.profiles.search_cache import VERSION_KEY, directory_version

    key = _version_key(event.pk)
    found = cache.get_many([key, VERSION_KEY])
    version = found.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key) or "none"
    directory = found.get(VERSION_KEY)
    if directory is None:
        directory = directory_version()
    return (
        f"events:roster:{fragment_version()}:{event.pk}:{version}:{directory}:"
        f"{event.going_count}:{event.waitlist_count}"
    )


# --- the snapshot --------------------------------------------------------------------------------


def _rows(event_id: int) -> list[tuple[Any, ...]]:
    """``selectors.roster`` for an organizer, as tuples in its order (name, then id)."""
    from .selectors import _active_user, _display_name

    qs = (
        Registration.objects.filter(event_id=event_id, state__in=ACTIVE_STATES)
        .filter(_active_user())
        .annotate(_sort_name=_display_name())
        .order_by("_sort_name", "id")
        .values_list(
            "pk",
            "user_id",
            "state",
            "roster_visibility",
            "shift_id",
            "user__profile__handle",
            "user__profile__display_name",
            "user__profile__headline",
        )
    )
    return [tuple(row) for row in qs.using(router.db_for_read(Registration))]


@dataclass(frozen=True)
class Snapshot:
    """The roster of one event: ``entries`` in roster order (name, then id) and ``going``,
    its going/attended rows in registration order (state, then id: the event page's faces)."""

    entries: list[Entry]
    going: list[Entry]

    def __len__(self) -> int:
        return len(self.entries)


def roster_snapshot(event: Event, stamp: str | None = None) -> Snapshot:
    """Every active registration of ``event`` in roster order (see the module docstring),
    from this process's copy, the shared cache or the database. Not filtered for any viewer:
    callers pass it through ``visible_entries`` / ``preview_entries``."""
    key = stamp or roster_stamp(event)
    snapshot = _LOCAL.get(key)
    if snapshot is not None:
        return snapshot  # type: ignore[no-any-return]
    rows = cache.get(key)
    if rows is None:
        rows = _rows(event.pk)
        cache.set(key, rows, timeout=FRAGMENT_TIMEOUT)
    entries = [Entry(*row) for row in rows]
    going = sorted(
        (e for e in entries if e.state in GOING_STATES), key=lambda e: (e.state, e.registration_id)
    )
    snapshot = Snapshot(entries, going)
    _LOCAL.put(key, snapshot)
    return snapshot


# --- who sees which rows (per request, never cached) -----------------------------------------


def _blocked(viewer: Any) -> set[int]:
    from rounds.community.selectors import blocked_ids_for

    return blocked_ids_for(viewer)


def _registrant_sees(entry: Entry, viewer_id: int, blocked: set[int]) -> bool:
    return (
        entry.state in REGISTRANT_STATES
        and (entry.roster_visibility == RosterVisibility.REGISTRANTS or entry.user_id == viewer_id)
        and entry.user_id not in blocked
    )


def visible_entries(
    snapshot: Snapshot, *, viewer: Any, event: Event, state: str = ""
) -> list[Entry]:
    """``selectors.roster(viewer=, event=, state=)``: the rows ``viewer`` may see, in order."""
    if state == "going":
        wanted: tuple[str, ...] = GOING_STATES
    elif state in (RegistrationState.INTERESTED, RegistrationState.WAITLISTED):
        wanted = (state,)
    else:
        wanted = ACTIVE_STATES
    entries = snapshot.entries
    if policies.can_manage_registrations(viewer, event):
        return [e for e in entries if e.state in wanted]
    if not policies.is_registrant(viewer, event):
        return []
    blocked = _blocked(viewer)
    return [e for e in entries if e.state in wanted and _registrant_sees(e, viewer.pk, blocked)]


def preview_entries(snapshot: Snapshot, *, viewer: Any, event: Event, limit: int) -> list[Entry]:
    """``page.roster_preview``: the first ``limit`` members going (or attended) that ``viewer``
    may see, in registration order (state, then id); those without a profile are then left
    out, as the query's rows without a handle were."""
    manager = policies.can_manage_registrations(viewer, event)
    if not manager and not policies.is_registrant(viewer, event):
        return []
    if manager:
        first = snapshot.going[:limit]
    else:
        blocked = _blocked(viewer)
        first = []
        for entry in snapshot.going:
            if _registrant_sees(entry, viewer.pk, blocked):
                first.append(entry)
                if len(first) >= limit:
                    break
    return [entry for entry in first if entry.handle is not None]


def page_of(entries: list[Entry], *, page: int, size: int) -> Any:
    """``core.pagination.paginate`` over a list (same clamps, same ``has_next``)."""
    from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, Page

    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    offset = (page - 1) * size
    rows = entries[offset : offset + size + 1]
    return Page(items=rows[:size], number=page, size=size, has_next=len(rows) > size)


def viewer_key(viewer: Any, event: Event) -> tuple[Any, ...]:
    """What decides which rows ``viewer`` sees (for page keys): organizer rights, registrant
    or not, and the members blocked either way (read live)."""
    if policies.can_manage_registrations(viewer, event):
        return ("manager",)
    if not policies.is_registrant(viewer, event):
        return ("nobody",)
    return ("registrant", tuple(sorted(_blocked(viewer))))
