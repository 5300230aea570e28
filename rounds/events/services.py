"""Writes for events: create/edit/publish/cancel, co-organizers, shifts, and the registration
state machine (going | interested | waitlisted → cancelled; going → attended).

Every service validates, then writes in one transaction, audits (ids only) and notifies inside
the transaction. Callers resolve the event through ``rounds.events.access`` first, so what a
service receives is visible to the actor; a visible event the actor may not change is
``Forbidden`` (403), an illegal transition ``Conflict`` (409) — nothing is changed either way.

Capacity: every service that changes who is going locks the event row first
(``SELECT … FOR UPDATE``) and keeps ``Event.going_count`` / ``waitlist_count`` /
``EventShift.going_count`` under that lock, so concurrent registrations never exceed the
capacity; a freed place promotes the first waitlisted member (``event.waitlist_promoted``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from rounds.accounts.policies import ensure_not_leaving
from rounds.core.audit import audit
from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.markdown import render_markdown
from rounds.core.publishing import Draft, guard_texts, publishing_path

from . import policies
from .models import (
    MAX_CO_ORGANIZERS,
    MAX_DESCRIPTION,
    MAX_SHIFTS,
    MAX_SKILLS,
    MAX_TITLE,
    Event,
    EventOrganizer,
    EventShift,
    EventSkill,
    Kind,
    Phase,
    Registration,
    RegistrationState,
    RosterVisibility,
    State,
)

TITLE_PATH = publishing_path(
    "events.title", kind="event_description", field="title", model_field="events.Event.title"
)
DESCRIPTION_PATH = publishing_path(
    "events.description",
    kind="event_description",
    field="description",
    model_field="events.Event.description",
)
CANCEL_REASON_PATH = publishing_path(
    "events.cancel_reason",
    kind="event_description",
    field="reason",
    model_field="events.Event.cancel_reason",
)
SHIFT_TITLE_PATH = publishing_path(
    "events.shift_title",
    kind="event_description",
    field="title",
    model_field="events.EventShift.title",
)

MAX_CANCEL_REASON = 500
MAX_PLACE = {"venue": 200, "address": 300, "city": 100, "country": 100}
MAX_CAPACITY = 100_000
MAX_CREDITS = Decimal("999.99")
MAX_SHIFT_TITLE = 120
#: How far ahead an event may be scheduled, and how long it may last.
MAX_AHEAD = timedelta(days=3 * 365)
MAX_DURATION = timedelta(days=31)
SKILL_RE = re.compile(r"^[\w .+#/&-]{1,50}$")

EVENT_FIELDS = frozenset(
    {
        "title",
        "kind",
        "description",
        "starts_at",
        "ends_at",
        "time_zone",
        "is_online",
        "venue",
        "address",
        "city",
        "country",
        "join_url",
        "capacity",
        "registration_deadline",
        "specialties",
        "topics",
        "cme_credits",
        "skills",
        "organization",
    }
)
#: Changes that registrants are told about (``event.update``).
NOTIFIED_FIELDS = frozenset(
    {"starts_at", "ends_at", "time_zone", "is_online", "venue", "address", "city", "join_url"}
)
GOING_STATES = (RegistrationState.GOING, RegistrationState.ATTENDED)
#: Registrations that can still be cancelled (a new co-organizer gives theirs back).
_OPEN_STATES = (
    RegistrationState.GOING,
    RegistrationState.INTERESTED,
    RegistrationState.WAITLISTED,
)
CANCEL_OWNER_ONLY = "Only the event's owner can cancel it."
REMOVE_OWNER_ONLY = "Only the event's owner can remove co-organizers."
ORGANIZERS_DO_NOT_REGISTER = (
    "You organize this event: organizers host it and do not register (they take no place)."
)
ACTIVE_STATES = (
    RegistrationState.GOING,
    RegistrationState.INTERESTED,
    RegistrationState.WAITLISTED,
    RegistrationState.ATTENDED,
)


# --- validators ---------------------------------------------------------------------------------


def _text(field: str, value: Any, *, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("Must be text.", field=field)
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed("Contains a character that is not allowed.", field=field)
    if required and not value:
        raise ValidationFailed("This field is required.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters (this has {len(value)}).", field=field)
    return value


@functools.lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    """Every IANA zone name this system knows (``zoneinfo.available_timezones()``)."""
    return frozenset(available_timezones())


def validate_time_zone(value: Any, *, field: str = "time_zone", allow_blank: bool = False) -> str:
    if value in (None, "") and allow_blank:
        return ""
    if not isinstance(value, str) or value not in time_zone_names():
        raise ValidationFailed(
            "Choose a time zone from the list (e.g. Europe/Berlin).", field=field
        )
    return value


def _kind(value: Any) -> str:
    if value not in Kind.values:
        raise ValidationFailed("Choose a kind of event from the list.", field="kind")
    return str(value)


def _bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "off", 0):
        return False
    if value in ("1", "true", "on", 1):
        return True
    raise ValidationFailed("Must be true or false.", field=field)


def _datetime(field: str, value: Any, zone: ZoneInfo, *, required: bool = True) -> datetime | None:
    """An aware datetime; a naive one (a form's local time) is read in the event's ``zone``."""
    if value in (None, ""):
        if required:
            raise ValidationFailed("This field is required.", field=field)
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationFailed("Enter a date and time.", field=field) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if not isinstance(value, datetime):
        raise ValidationFailed("Enter a date and time.", field=field)
    if value.year < 2000 or value.year > 9000:
        raise ValidationFailed("Enter a date between 2000 and 9000.", field=field)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
        # A wall time that does not exist (the spring-forward gap) is refused, not guessed.
        round_trip = value.astimezone(UTC).astimezone(zone)
        if round_trip.replace(tzinfo=None) != value.replace(tzinfo=None):
            raise ValidationFailed(
                "That local time does not exist in this time zone (the clocks change).",
                field=field,
            )
    return value.astimezone(UTC)


def rezoned(value: datetime, event: Event) -> datetime:
    """``value``'s wall-clock time in ``event``'s current zone, naive (read in the new zone)."""
    old = ZoneInfo(event.time_zone) if event.time_zone in time_zone_names() else ZoneInfo("UTC")
    return value.astimezone(old).replace(tzinfo=None)


def _capacity(field: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationFailed("Enter a whole number of places.", field=field)
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed("Enter a whole number of places.", field=field) from None
    if number < 1 or number > MAX_CAPACITY:
        raise ValidationFailed(f"Between 1 and {MAX_CAPACITY} places.", field=field)
    return number


def _credits(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationFailed("Enter a number of credits.", field="cme_credits")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Enter a number of credits.", field="cme_credits") from None
    if not number.is_finite() or number < 0 or number > MAX_CREDITS:
        raise ValidationFailed(f"Between 0 and {MAX_CREDITS} credits.", field="cme_credits")
    number = number.quantize(Decimal("0.01"))
    return number if number > 0 else None


def _url(value: Any) -> str:
    url = _text("join_url", value, limit=500)
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValidationFailed("Enter a web address (https://…).", field="join_url") from None
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ValidationFailed("Enter a web address (https://…).", field="join_url")
    return url


def _slugs(field: str, value: Any, *, limit: int = 10) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed("A list of codes.", field=field)
    slugs: list[str] = []
    for raw in value:
        slug = raw.strip().lower()
        if not slug or len(slug) > 80 or "\x00" in slug:
            raise ValidationFailed("Unknown code.", field=field)
        if slug not in slugs:
            slugs.append(slug)
    if len(slugs) > limit:
        raise ValidationFailed(f"At most {limit}.", field=field)
    return slugs


def _specialties(value: Any) -> list[Any]:
    from rounds.profiles.models import Specialty

    slugs = _slugs("specialties", value)
    found = list(Specialty.objects.filter(slug__in=slugs)) if slugs else []
    if len(found) != len(slugs):
        raise ValidationFailed("Unknown specialty.", field="specialties")
    return found


def _topics(value: Any) -> list[Any]:
    from rounds.profiles.models import Interest

    slugs = _slugs("topics", value)
    found = list(Interest.objects.filter(slug__in=slugs)) if slugs else []
    if len(found) != len(slugs):
        raise ValidationFailed("Unknown topic.", field="topics")
    return found


def _skills(value: Any) -> list[tuple[str, str]]:
    """``[(slug, name)]`` from a list or a comma-separated text."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed("Skills are a list of words.", field="skills")
    skills: dict[str, str] = {}
    for raw in value:
        name = " ".join(raw.split()).lower()
        if not name:
            continue
        if not SKILL_RE.match(name):
            raise ValidationFailed(
                "Each skill is at most 50 letters, digits, spaces or hyphens.", field="skills"
            )
        slug = slugify(name)[:50] or "skill"
        skills.setdefault(slug, name)
    if len(skills) > MAX_SKILLS:
        raise ValidationFailed(f"At most {MAX_SKILLS} skills.", field="skills")
    return list(skills.items())


def _organization(actor: Any, value: Any) -> Any:
    """An organization the actor currently works at (by slug), or None."""
    from rounds.profiles.models import Affiliation, Organization

    if not value:
        return None
    if not isinstance(value, str) or len(value) > 220 or "\x00" in value:
        raise ValidationFailed("Unknown organization.", field="organization")
    organization = Organization.objects.filter(slug=value).first()
    if organization is None:
        raise ValidationFailed("Unknown organization.", field="organization")
    if not (
        actor.is_staff
        or Affiliation.objects.filter(
            user=actor, organization=organization, is_current=True
        ).exists()
    ):
        raise ValidationFailed(
            "You can organize events only for an organization you work at.", field="organization"
        )
    return organization


def _group(actor: Any, value: Any) -> Any:
    """A group the actor is an active member of (by slug), or None."""
    from rounds.community import policies as group_policies
    from rounds.community.access import _with_viewer_membership
    from rounds.community.models import Group

    if not value:
        return None
    if not isinstance(value, str) or len(value) > 80 or "\x00" in value:
        raise ValidationFailed("Unknown group.", field="group")
    group = _with_viewer_membership(Group.objects.filter(slug=value), actor).first()
    if group is not None:
        from rounds.community.access import _remember_membership

        _remember_membership(group, actor)
    if group is None or not group_policies.is_active_member(actor, group):
        raise ValidationFailed(
            "Only a group's active members can create events in it.", field="group"
        )
    return group


def _require_member(actor: Any) -> None:
    if actor is None or not actor.is_authenticated:
        raise Forbidden("Sign in first.")


ORGANIZERS_ONLY = "Only the event's organizers can do that."


def _require(allowed: bool, message: str = ORGANIZERS_ONLY) -> None:
    if not allowed:
        raise Forbidden(message)


def _event_url(event: Event) -> str:
    return reverse("events:detail", args=[event.pk])


def _lock(event: Event) -> Event:
    """Lock the event row and refresh its state and counters (``event`` keeps the viewer state
    ``access_event`` remembered on it)."""
    fresh = (
        Event.objects.select_for_update()
        .only(
            "state",
            "going_count",
            "waitlist_count",
            "capacity",
            "starts_at",
            "ends_at",
            "registration_deadline",
        )
        .filter(pk=event.pk)
        .first()
    )
    if fresh is None:
        raise NotFound("No event at that address.")
    event.state = fresh.state
    event.going_count = fresh.going_count
    event.waitlist_count = fresh.waitlist_count
    event.capacity = fresh.capacity
    event.starts_at = fresh.starts_at
    event.ends_at = fresh.ends_at
    event.registration_deadline = fresh.registration_deadline
    return event


def _save_counts(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(
        going_count=event.going_count, waitlist_count=event.waitlist_count
    )


# --- events --------------------------------------------------------------------------------------


def _clean_fields(
    actor: Any, changes: dict[str, Any], *, current: Event | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate ``changes`` → (column values, relation values)."""
    unknown = set(changes) - EVENT_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(f"Unknown field: {name}.", field=name)
    values: dict[str, Any] = {}
    relations: dict[str, Any] = {}
    if "title" in changes:
        values["title"] = _text("title", changes["title"], limit=MAX_TITLE, required=True)
    if "kind" in changes:
        values["kind"] = _kind(changes["kind"])
    if "description" in changes:
        values["description"] = _text("description", changes["description"], limit=MAX_DESCRIPTION)
    zone_name = (
        validate_time_zone(changes["time_zone"])
        if "time_zone" in changes
        else (current.time_zone if current else "UTC")
    )
    if "time_zone" in changes:
        values["time_zone"] = zone_name
    zone = ZoneInfo(zone_name)
    if current is not None and zone_name != current.time_zone:
        # Times are wall-clock times in the event's zone (the edit form shows them so): a time
        # not sent keeps its local value in the new zone; its instant moves.
        for name in ("starts_at", "ends_at", "registration_deadline"):
            if name not in changes and getattr(current, name) is not None:
                values[name] = _datetime(name, rezoned(getattr(current, name), current), zone)
    if "starts_at" in changes:
        values["starts_at"] = _datetime("starts_at", changes["starts_at"], zone)
    if "ends_at" in changes:
        values["ends_at"] = _datetime("ends_at", changes["ends_at"], zone)
    if "registration_deadline" in changes:
        values["registration_deadline"] = _datetime(
            "registration_deadline", changes["registration_deadline"], zone, required=False
        )
    if "is_online" in changes:
        values["is_online"] = _bool("is_online", changes["is_online"])
    for name, limit in MAX_PLACE.items():
        if name in changes:
            values[name] = _text(name, changes[name], limit=limit)
    if "join_url" in changes:
        values["join_url"] = _url(changes["join_url"])
    if "capacity" in changes:
        values["capacity"] = _capacity("capacity", changes["capacity"])
    if "cme_credits" in changes:
        values["cme_credits"] = _credits(changes["cme_credits"])
    if "organization" in changes:
        values["organization"] = _organization(actor, changes["organization"])
    if "specialties" in changes:
        relations["specialties"] = _specialties(changes["specialties"])
    if "topics" in changes:
        relations["topics"] = _topics(changes["topics"])
    if "skills" in changes:
        relations["skills"] = _skills(changes["skills"])

    def current_value(name: str) -> Any:
        return values[name] if name in values else getattr(current, name, None)

    starts, ends = current_value("starts_at"), current_value("ends_at")
    if starts is not None and ends is not None:
        if ends < starts:
            raise ValidationFailed("The event cannot end before it starts.", field="ends_at")
        if ends - starts > MAX_DURATION:
            raise ValidationFailed("An event lasts at most 31 days.", field="ends_at")
    if starts is not None and starts > timezone.now() + MAX_AHEAD:
        raise ValidationFailed("At most three years ahead.", field="starts_at")
    deadline = current_value("registration_deadline")
    if deadline is not None and ends is not None and deadline > ends:
        raise ValidationFailed(
            "The registration deadline is before the event ends.", field="registration_deadline"
        )
    online = current_value("is_online")
    if not online and not (current_value("venue") or current_value("city")):
        raise ValidationFailed("Give a venue or city, or mark the event as online.", field="venue")
    return values, relations


def _guard_event(actor: Any, values: dict[str, Any], acknowledge_warnings: bool) -> None:
    drafts = []
    if "title" in values:
        drafts.append(Draft(TITLE_PATH, values["title"]))
    if "description" in values:
        drafts.append(Draft(DESCRIPTION_PATH, values["description"]))
    if drafts:
        guard_texts(actor=actor, drafts=drafts, acknowledge_warnings=acknowledge_warnings)


def _set_relations(event: Event, relations: dict[str, Any]) -> None:
    if "specialties" in relations:
        event.specialties.set(relations["specialties"])
    if "topics" in relations:
        event.topics.set(relations["topics"])
    if "skills" in relations:
        EventSkill.objects.filter(event=event).delete()
        EventSkill.objects.bulk_create(
            [EventSkill(event=event, slug=slug, name=name) for slug, name in relations["skills"]]
        )
        # ``bulk_create`` sends no signal; skills are a list filter (``list_cache``).
        from .list_cache import events_list_changed

        events_list_changed()


@transaction.atomic
def event_create(
    *,
    actor: Any,
    title: Any,
    starts_at: Any,
    ends_at: Any,
    kind: Any = Kind.NETWORKING,
    time_zone: Any = "UTC",
    group: Any = "",
    acknowledge_warnings: bool = False,
    **fields: Any,
) -> Event:
    """Create a draft event organized by ``actor`` (published later by ``event_publish``).

    ``group`` (a slug): only the group's active members may create events in it. Naive times
    are read in ``time_zone``. Title and description pass the professionalism guard."""
    _require_member(actor)
    changes = {
        "title": title,
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "time_zone": time_zone,
        **fields,
    }
    changes.setdefault("description", "")
    changes.setdefault("is_online", False)
    values, relations = _clean_fields(actor, changes, current=None)
    group_row = _group(actor, group)
    if values["starts_at"] <= timezone.now():
        raise ValidationFailed("An event starts in the future.", field="starts_at")
    _guard_event(actor, values, acknowledge_warnings)
    event = Event(organizer=actor, group=group_row, state=State.DRAFT, **values)
    event.description_html = render_markdown(event.description, links=True)
    event.save()
    _set_relations(event, relations)
    audit(actor=actor, action="events.create", target=event, group_id=event.group_id)
    return event


@transaction.atomic
def event_update(
    *, actor: Any, event: Event, changes: dict[str, Any], acknowledge_warnings: bool = False
) -> Event:
    """Edit an event (organizers). A cancelled or past event cannot be edited (Conflict). When a
    published event's time or place changes, its registrants are told (``event.update``); a
    larger capacity promotes waitlisted members.

    Times are wall-clock times in the event's ``time_zone``: changing only the zone keeps the
    local start, end, deadline and shift times (as the edit form, which shows local times, does),
    so the instants move and registrants are told."""
    ensure_not_leaving(actor)
    _require(policies.can_edit(actor, event))
    _lock(event)
    phase = event.phase
    if phase in (Phase.CANCELLED, Phase.PAST):
        raise Conflict("A cancelled or past event cannot be edited.")
    values, relations = _clean_fields(actor, dict(changes), current=event)
    if (
        "starts_at" in values
        and values["starts_at"] != event.starts_at
        and values["starts_at"] <= timezone.now()
    ):
        raise ValidationFailed("An event starts in the future.", field="starts_at")
    new_capacity = values.get("capacity")
    if new_capacity is not None and new_capacity < event.going_count:
        raise ValidationFailed(
            f"{event.going_count} members are already going: the capacity cannot be lower.",
            field="capacity",
        )
    _guard_event(
        actor,
        {k: v for k, v in values.items() if v != getattr(event, k)},
        acknowledge_warnings,
    )
    changed = {name for name, value in values.items() if getattr(event, name) != value}
    if "time_zone" in changed:
        _rezone_shifts(event, ZoneInfo(values["time_zone"]))
    for name, value in values.items():
        setattr(event, name, value)
    if "description" in changed:
        event.description_html = render_markdown(event.description, links=True)
    event.save()
    _set_relations(event, relations)
    if "capacity" in changed:
        _promote(event)
        _save_counts(event)
    if event.state == State.PUBLISHED and changed & NOTIFIED_FIELDS:
        _notify_registrants(
            event,
            kind="event.update",
            text=f"The time, place or details of “{event.title}” changed.",
            actor=actor,
        )
    audit(actor=actor, action="events.update", target=event, fields=sorted(changed))
    return event


def _rezone_shifts(event: Event, zone: ZoneInfo) -> None:
    """Keep each shift's wall-clock times when the event's zone changes (``event`` still has
    its old zone)."""
    for shift in EventShift.objects.select_for_update().filter(event=event):
        starts = _datetime("time_zone", rezoned(shift.starts_at, event), zone)
        ends = _datetime("time_zone", rezoned(shift.ends_at, event), zone)
        assert starts is not None and ends is not None
        shift.starts_at, shift.ends_at = starts, ends
        shift.save(update_fields=["starts_at", "ends_at"])


@transaction.atomic
def event_publish(*, actor: Any, event: Event) -> Event:
    """Publish a draft (organizers): it appears in lists and members may register."""
    ensure_not_leaving(actor)
    _require(policies.can_edit(actor, event))
    _lock(event)
    if event.state != State.DRAFT:
        raise Conflict("Only a draft can be published.")
    if event.starts_at <= timezone.now():
        raise Conflict("The start time has passed: change it before publishing.")
    event.state = State.PUBLISHED
    event.published_at = timezone.now()
    event.save(update_fields=["state", "published_at", "updated_at"])
    audit(actor=actor, action="events.publish", target=event)
    return event


def _notify_registrants(
    event: Event, *, kind: str, text: str, actor: Any, states: Iterable[str] = ACTIVE_STATES
) -> int:
    from rounds.notifications.services import notify

    url = _event_url(event)
    sent = 0
    recipients = Registration.objects.filter(event=event, state__in=tuple(states)).values_list(
        "user_id", flat=True
    )
    for user_id in recipients.iterator(chunk_size=500):
        if notify(
            recipient_id=user_id,
            kind=kind,
            text=text,
            url=url,
            actor_id=getattr(actor, "pk", None),
        ):
            sent += 1
    return sent


@transaction.atomic
def event_cancel(
    *, actor: Any, event: Event, reason: Any = "", acknowledge_warnings: bool = False
) -> Event:
    """Cancel a draft or upcoming event (organizers), with a reason; every registrant is told
    (``event.cancelled``). Registrations keep their state (the history stays readable).
    Only the owner (or site staff) may: co-organizers are refused."""
    _require(policies.can_cancel(actor, event), CANCEL_OWNER_ONLY)
    _lock(event)
    if event.state == State.CANCELLED:
        raise Conflict("This event is already cancelled.")
    if event.state == State.PUBLISHED and event.ends_at <= timezone.now():
        raise Conflict("A past event cannot be cancelled.")
    reason = _text("reason", reason, limit=MAX_CANCEL_REASON)
    guard_texts(
        actor=actor,
        drafts=[Draft(CANCEL_REASON_PATH, reason)],
        acknowledge_warnings=acknowledge_warnings,
    )
    was_published = event.state == State.PUBLISHED
    event.state = State.CANCELLED
    event.cancelled_at = timezone.now()
    event.cancel_reason = reason
    event.save(update_fields=["state", "cancelled_at", "cancel_reason", "updated_at"])
    if was_published:
        text = f"“{event.title}” was cancelled."
        if reason:
            text += f" Reason: {reason}"
        _notify_registrants(event, kind="event.cancelled", text=text, actor=actor)
    audit(actor=actor, action="events.cancel", target=event)
    return event


def cancel_for_erasure(event: Event) -> None:
    """Cancel an upcoming event whose organizer's account is erased (registrants told)."""
    _lock(event)
    if event.state == State.CANCELLED or event.ends_at <= timezone.now():
        return
    was_published = event.state == State.PUBLISHED
    event.state = State.CANCELLED
    event.cancelled_at = timezone.now()
    event.cancel_reason = "The organizer's account was closed."
    event.save(update_fields=["state", "cancelled_at", "cancel_reason", "updated_at"])
    if was_published:
        _notify_registrants(
            event,
            kind="event.cancelled",
            text=f"“{event.title}” was cancelled: the organizer's account was closed.",
            actor=None,
        )


# --- co-organizers -----------------------------------------------------------------------------


def _member_by_handle(actor: Any, handle: Any) -> Any:
    from rounds.community.selectors import blocked_ids_for
    from rounds.profiles.models import Profile

    if not isinstance(handle, str) or not handle or len(handle) > 40 or "\x00" in handle:
        raise ValidationFailed("No member with that handle.", field="handle")
    profile = (
        Profile.objects.select_related("user")
        .filter(handle=handle.strip().lstrip("@").lower(), user__is_active=True)
        .first()
    )
    if profile is None or profile.user_id in blocked_ids_for(actor):
        raise ValidationFailed("No member with that handle.", field="handle")
    return profile.user


@transaction.atomic
def co_organizer_add(*, actor: Any, event: Event, handle: Any) -> EventOrganizer:
    """Add a co-organizer by handle (the owner or a co-organizer): any member not blocked either
    way. Organizers host, they do not register: a registration they hold is cancelled (their
    place goes to the waitlist)."""
    ensure_not_leaving(actor)
    _require(policies.can_add_co_organizers(actor, event))
    _lock(event)
    if event.phase in (Phase.CANCELLED, Phase.PAST):
        raise Conflict("A cancelled or past event cannot change its organizers.")
    user = _member_by_handle(actor, handle)
    if user.pk == event.organizer_id:
        raise Conflict("They already organize this event.", field="handle")
    if EventOrganizer.objects.filter(event=event, user=user).exists():
        raise Conflict("They already co-organize this event.", field="handle")
    if EventOrganizer.objects.filter(event=event).count() >= MAX_CO_ORGANIZERS:
        raise Conflict(f"At most {MAX_CO_ORGANIZERS} co-organizers.", field="handle")
    row = EventOrganizer.objects.create(event=event, user=user, added_by=actor)
    registration = (
        Registration.objects.select_for_update()
        .filter(event=event, user=user, state__in=_OPEN_STATES)
        .first()
    )
    if registration is not None:
        _drop(event, registration)
        _save_counts(event)
    from rounds.notifications.services import notify

    notify(
        recipient_id=user.pk,
        kind="event.update",
        text=f"You were added as a co-organizer of “{event.title}”.",
        url=_event_url(event),
        actor_id=actor.pk,
    )
    audit(actor=actor, action="events.co_organizer_add", target=event, user_id=user.pk)
    return row


@transaction.atomic
def co_organizer_remove(*, actor: Any, event: Event, user_id: int) -> None:
    """Remove a co-organizer (the owner; a co-organizer may step down themselves). The owner is
    never removed: a co-organizer asking is refused (403), the owner is told to cancel (409)."""
    if user_id == event.organizer_id:
        if not policies.can_remove_co_organizers(actor, event):
            raise Forbidden("The event's owner cannot be removed.")
        raise Conflict(
            "The event's owner cannot be removed; cancel the event instead.", field="handle"
        )
    if not (policies.can_remove_co_organizers(actor, event) or actor.pk == user_id):
        raise Forbidden(REMOVE_OWNER_ONLY)
    deleted, _ = EventOrganizer.objects.filter(event=event, user_id=user_id).delete()
    if not deleted:
        raise NotFound("They do not co-organize this event.")
    audit(actor=actor, action="events.co_organizer_remove", target=event, user_id=user_id)


# --- shifts ------------------------------------------------------------------------------------


@transaction.atomic
def shift_add(
    *,
    actor: Any,
    event: Event,
    title: Any,
    starts_at: Any,
    ends_at: Any,
    capacity: Any = None,
    acknowledge_warnings: bool = False,
) -> EventShift:
    """Add a shift to a volunteering event (organizers), inside the event's time."""
    _require(policies.can_edit(actor, event))
    _lock(event)
    if event.kind != Kind.VOLUNTEERING:
        raise ValidationFailed("Only volunteering events have shifts.", field="kind")
    if event.phase in (Phase.CANCELLED, Phase.PAST):
        raise Conflict("A cancelled or past event cannot change its shifts.")
    title = _text("title", title, limit=MAX_SHIFT_TITLE, required=True)
    zone = ZoneInfo(event.time_zone) if event.time_zone in time_zone_names() else ZoneInfo("UTC")
    starts = _datetime("starts_at", starts_at, zone)
    ends = _datetime("ends_at", ends_at, zone)
    assert starts is not None and ends is not None
    if ends < starts:
        raise ValidationFailed("A shift cannot end before it starts.", field="ends_at")
    if starts < event.starts_at or ends > event.ends_at:
        raise ValidationFailed("A shift is within the event's time.", field="starts_at")
    cap = _capacity("capacity", capacity)
    if EventShift.objects.filter(event=event).count() >= MAX_SHIFTS:
        raise Conflict(f"At most {MAX_SHIFTS} shifts.")
    guard_texts(
        actor=actor,
        drafts=[Draft(SHIFT_TITLE_PATH, title)],
        acknowledge_warnings=acknowledge_warnings,
    )
    shift = EventShift.objects.create(
        event=event, title=title, starts_at=starts, ends_at=ends, capacity=cap
    )
    audit(actor=actor, action="events.shift_add", target=event, shift_id=shift.pk)
    return shift


@transaction.atomic
def shift_delete(*, actor: Any, event: Event, shift_id: int) -> None:
    """Delete a shift nobody is registered for (organizers; Conflict otherwise)."""
    _require(policies.can_edit(actor, event))
    _lock(event)
    shift = EventShift.objects.filter(event=event, pk=shift_id).first()
    if shift is None:
        raise NotFound("No such shift.")
    if Registration.objects.filter(shift=shift, state__in=ACTIVE_STATES).exists():
        raise Conflict("Members are registered for this shift: it cannot be deleted.")
    shift.delete()
    audit(actor=actor, action="events.shift_delete", target=event, shift_id=shift_id)


# --- registration ---------------------------------------------------------------------------------


def _registration(event: Event, user: Any) -> Registration | None:
    return Registration.objects.filter(event=event, user=user).select_related("shift").first()


def _locked_shift(event: Event, shift_id: Any) -> EventShift | None:
    shifts = EventShift.objects.filter(event=event)
    if not shifts.exists():
        if shift_id not in (None, ""):
            raise ValidationFailed("This event has no shifts.", field="shift")
        return None
    if shift_id in (None, ""):
        raise ValidationFailed("Choose a shift.", field="shift")
    try:
        pk = int(str(shift_id))
    except (TypeError, ValueError):
        raise ValidationFailed("Choose a shift.", field="shift") from None
    shift = shifts.select_for_update().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if shift is None:
        raise ValidationFailed("Choose one of this event's shifts.", field="shift")
    return shift


def _registrable(event: Event, now: datetime) -> None:
    if event.state == State.DRAFT:
        raise Conflict("This event is not published yet.")
    if event.state == State.CANCELLED:
        raise Conflict("This event was cancelled.")
    if event.starts_at <= now:
        raise Conflict("This event has started: registration is closed.")
    if event.registration_deadline is not None and event.registration_deadline <= now:
        raise Conflict("The registration deadline has passed.")


def _leave_going(event: Event, registration: Registration) -> None:
    """Bookkeeping when a going registration stops being going (state set by the caller)."""
    event.going_count = max(0, event.going_count - 1)
    if registration.shift_id is not None:
        shift = EventShift.objects.select_for_update().get(pk=registration.shift_id)
        shift.going_count = max(0, shift.going_count - 1)
        shift.save(update_fields=["going_count"])


def _leave_waitlist(event: Event) -> None:
    event.waitlist_count = max(0, event.waitlist_count - 1)


@transaction.atomic
def register(
    *,
    actor: Any,
    event: Event,
    state: Any = RegistrationState.GOING,
    shift: Any = None,
    roster_visibility: Any = None,
    waitlist: bool = True,
) -> Registration:
    """Register ``actor`` as going (waitlisted when the event or the shift is full) or
    interested. Moving between going/interested/waitlisted is allowed; registering twice the
    same way, after the deadline, or for a draft, cancelled or started event is a Conflict —
    as is going to a full event with ``waitlist=False`` (nothing changes then). Organizers
    (the owner and co-organizers) host the event and never register (Forbidden)."""
    ensure_not_leaving(actor)
    _require_member(actor)
    _require(not policies.is_organizer(actor, event), ORGANIZERS_DO_NOT_REGISTER)
    if state not in (RegistrationState.GOING, RegistrationState.INTERESTED):
        raise ValidationFailed("Register as going or interested.", field="state")
    if roster_visibility not in (None, "") and roster_visibility not in RosterVisibility.values:
        raise ValidationFailed("Choose who can see you on the roster.", field="roster_visibility")
    _lock(event)
    now = timezone.now()
    _registrable(event, now)
    row = _registration(event, actor)
    previous = row.state if row is not None else None
    if previous == RegistrationState.ATTENDED:
        raise Conflict("You attended this event.")
    if state == RegistrationState.INTERESTED:
        if previous == RegistrationState.INTERESTED:
            raise Conflict("You are already interested in this event.")
        chosen_shift = None
    else:
        if previous in (RegistrationState.GOING, RegistrationState.WAITLISTED):
            raise Conflict(
                "You are already going."
                if previous == RegistrationState.GOING
                else "You are already on the waitlist."
            )
        chosen_shift = _locked_shift(event, shift)
    if row is None:
        row = Registration(event=event, user=actor)
    # Leave the previous state first (frees a place, promoting the waitlist afterwards).
    freed = False
    if previous == RegistrationState.GOING:
        _leave_going(event, row)
        freed = True
    elif previous == RegistrationState.WAITLISTED:
        _leave_waitlist(event)
    if state == RegistrationState.INTERESTED:
        row.state = RegistrationState.INTERESTED
        row.shift = None
        row.waitlisted_at = None
    else:
        row.shift = chosen_shift
        full = event.is_full or (chosen_shift is not None and chosen_shift.is_full)
        if full and not waitlist:
            raise Conflict(
                "This shift is full." if not event.is_full else "This event is full.",
                field="state",
            )
        if full:
            row.state = RegistrationState.WAITLISTED
            row.waitlisted_at = now
            event.waitlist_count += 1
        else:
            row.state = RegistrationState.GOING
            row.waitlisted_at = None
            event.going_count += 1
            if chosen_shift is not None:
                chosen_shift.going_count += 1
                chosen_shift.save(update_fields=["going_count"])
    row.cancelled_at = None
    if roster_visibility:
        row.roster_visibility = roster_visibility
    row.save()
    if freed:
        _promote(event)
    _save_counts(event)
    policies.remember_viewer(
        event,
        actor.pk,
        co_organizer=bool(getattr(event, "_viewer_state", {}).get("co_organizer", False)),
        registration=row,
    )
    return row


def _promote(event: Event) -> list[Registration]:
    """Move waitlisted members to going, first in first, while places are free (the event row
    is locked by the caller). A waitlisted member whose shift is still full waits."""
    from rounds.notifications.services import notify

    promoted: list[Registration] = []
    if event.capacity is not None and event.going_count >= event.capacity:
        return promoted
    waiting = (
        Registration.objects.filter(event=event, state=RegistrationState.WAITLISTED)
        .select_related("shift")
        .order_by("waitlisted_at", "id")
    )
    shift_rows: dict[int, EventShift] = {}
    for row in waiting.iterator(chunk_size=100):
        if event.capacity is not None and event.going_count >= event.capacity:
            break
        if row.shift_id is not None:
            shift = shift_rows.get(row.shift_id)
            if shift is None:
                shift = EventShift.objects.select_for_update().get(pk=row.shift_id)
                shift_rows[row.shift_id] = shift
            if shift.is_full:
                continue
            shift.going_count += 1
            shift.save(update_fields=["going_count"])
        row.state = RegistrationState.GOING
        row.waitlisted_at = None
        row.save(update_fields=["state", "waitlisted_at", "updated_at"])
        event.going_count += 1
        event.waitlist_count = max(0, event.waitlist_count - 1)
        notify(
            recipient_id=row.user_id,
            kind="event.waitlist_promoted",
            text=f"A place opened up: you are going to “{event.title}”.",
            url=_event_url(event),
        )
        promoted.append(row)
    return promoted


@transaction.atomic
def registration_cancel(*, actor: Any, event: Event) -> Registration:
    """Cancel the actor's registration (going, interested or waitlisted) before the event
    starts; a freed place goes to the first waitlisted member."""
    _require_member(actor)
    _lock(event)
    row = _registration(event, actor)
    if row is None or row.state == RegistrationState.CANCELLED:
        raise Conflict("You are not registered for this event.")
    if row.state == RegistrationState.ATTENDED:
        raise Conflict("You attended this event.")
    if event.starts_at <= timezone.now():
        raise Conflict("This event has started: registrations can no longer be cancelled.")
    _drop(event, row)
    _save_counts(event)
    return row


def _drop(event: Event, row: Registration) -> None:
    """Cancel ``row`` (event locked by the caller), keep counts right, promote the waitlist."""
    previous = row.state
    row.state = RegistrationState.CANCELLED
    row.cancelled_at = timezone.now()
    row.waitlisted_at = None
    if previous == RegistrationState.GOING:
        _leave_going(event, row)
    elif previous == RegistrationState.WAITLISTED:
        _leave_waitlist(event)
    row.shift = None
    row.save()
    if previous == RegistrationState.GOING and event.state == State.PUBLISHED:
        _promote(event)


def remove_for_erasure(event: Event, row: Registration) -> None:
    """Delete a registration of an erased member (counts kept right, waitlist promoted)."""
    _lock(event)
    previous = row.state
    if previous in GOING_STATES:
        _leave_going(event, row)
    elif previous == RegistrationState.WAITLISTED:
        _leave_waitlist(event)
    row.delete()
    if (
        previous in GOING_STATES
        and event.state == State.PUBLISHED
        and event.starts_at > timezone.now()
    ):
        _promote(event)
    _save_counts(event)


@transaction.atomic
def registration_set_visibility(
    *, actor: Any, event: Event, roster_visibility: Any
) -> Registration:
    """Choose whether other registrants see the actor on the roster (organizers always do)."""
    _require_member(actor)
    if roster_visibility not in RosterVisibility.values:
        raise ValidationFailed("Choose who can see you on the roster.", field="roster_visibility")
    row = Registration.objects.select_for_update().filter(event=event, user=actor).first()
    if row is None or row.state == RegistrationState.CANCELLED:
        raise Conflict("You are not registered for this event.")
    row.roster_visibility = roster_visibility
    row.save(update_fields=["roster_visibility", "updated_at"])
    return row


@transaction.atomic
def attendance_mark(
    *, actor: Any, event: Event, user_id: Any, attended: bool = True
) -> Registration:
    """Mark a going member as attended (or undo it) — organizers, once the event has started."""
    _require(policies.can_manage_registrations(actor, event))
    _lock(event)
    if event.state != State.PUBLISHED:
        raise Conflict("Attendance is marked only for a published event.")
    if event.starts_at > timezone.now():
        raise Conflict("Attendance can be marked once the event has started.")
    try:
        pk = int(str(user_id))
    except (TypeError, ValueError):
        raise NotFound("That member is not registered.") from None
    row = (
        Registration.objects.select_for_update().filter(event=event, user_id=pk).first()
        if 0 < pk < 2**63
        else None
    )
    if row is None:
        raise NotFound("That member is not registered.")
    if attended:
        if row.state == RegistrationState.ATTENDED:
            raise Conflict("Already marked as attended.")
        if row.state != RegistrationState.GOING:
            raise Conflict("Only members who are going can be marked as attended.")
        row.state = RegistrationState.ATTENDED
        row.attended_at = timezone.now()
    else:
        if row.state != RegistrationState.ATTENDED:
            raise Conflict("They are not marked as attended.")
        row.state = RegistrationState.GOING
        row.attended_at = None
    row.save(update_fields=["state", "attended_at", "updated_at"])
    audit(
        actor=actor,
        action="events.attendance",
        target=event,
        user_id=row.user_id,
        attended=attended,
    )
    return row


def attendance_mark_many(
    *, actor: Any, event: Event, attended_ids: Iterable[int]
) -> tuple[int, int]:
    """Set attendance for the whole going list at once (the attendance page's form):
    members in ``attended_ids`` attended, the other going members did not.
    Returns (marked, unmarked)."""
    wanted = set(attended_ids)
    marked = unmarked = 0
    with transaction.atomic():
        _require(policies.can_manage_registrations(actor, event))
        if event.state != State.PUBLISHED or event.starts_at > timezone.now():
            raise Conflict("Attendance can be marked once a published event has started.")
        rows = list(
            Registration.objects.filter(event=event, state__in=GOING_STATES).values_list(
                "user_id", "state"
            )
        )
        for user_id, state in rows:
            if user_id in wanted and state == RegistrationState.GOING:
                attendance_mark(actor=actor, event=event, user_id=user_id, attended=True)
                marked += 1
            elif user_id not in wanted and state == RegistrationState.ATTENDED:
                attendance_mark(actor=actor, event=event, user_id=user_id, attended=False)
                unmarked += 1
    return marked, unmarked


# --- reminders ---------------------------------------------------------------------------------

REMINDER_AHEAD = timedelta(hours=24)


def event_reminders_send(*, now: datetime | None = None, ahead: timedelta = REMINDER_AHEAD) -> int:
    """Tell members going to a published event that starts within ``ahead`` that it is coming
    up (``event.reminder``), once per member and event (an earlier reminder with the same link
    counts). Run it hourly from cron (``manage.py send_event_reminders``). Returns how many."""
    from rounds.notifications.models import Notification
    from rounds.notifications.services import notify

    now = now or timezone.now()
    events = Event.objects.filter(
        state=State.PUBLISHED, starts_at__gt=now, starts_at__lte=now + ahead
    ).only("pk", "title", "starts_at", "time_zone")
    sent = 0
    for event in events.iterator(chunk_size=100):
        url = _event_url(event)
        with transaction.atomic():
            already = set(
                Notification.objects.filter(kind="event.reminder", url=url).values_list(
                    "recipient_id", flat=True
                )
            )
            going = Registration.objects.filter(
                event=event, state=RegistrationState.GOING
            ).values_list("user_id", flat=True)
            local = event.starts_at.astimezone(ZoneInfo(event.time_zone or "UTC"))
            text = f"Coming up: “{event.title}” starts {local:%a %d %b, %H:%M} ({event.time_zone})."
            for user_id in going:
                if user_id in already:
                    continue
                if notify(recipient_id=user_id, kind="event.reminder", text=text, url=url):
                    sent += 1
    return sent
