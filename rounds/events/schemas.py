"""API shapes for events, registrations, co-organizers, shifts and the roster."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from rounds.core.api_utils import MAX_QUERY_PARAM, PageParams, Safe
from rounds.profiles.schemas import InSchema

from . import policies
from .models import MAX_DESCRIPTION, MAX_TITLE, Event, EventShift, Registration
from .services import MAX_CANCEL_REASON, MAX_SHIFT_TITLE

ACK_DESCRIPTION = (
    "Publish despite the professionalism guard's warnings (after a 422 with "
    "`guard.needs_confirmation`). Never overrides patient information."
)
KindIn = Literal[
    "networking", "conference", "workshop", "volunteering", "webinar", "department_meeting"
]
Short = Annotated[str, Field(max_length=80), Safe]
TIME_HELP = (
    "ISO 8601. With an offset it is taken as is; without one it is a local time in the "
    "event's `time_zone`."
)


# --- in ----------------------------------------------------------------------------------------


class _EventFields(InSchema):
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION), Safe] | None = Field(
        None, description="Markdown."
    )
    registration_deadline: datetime | None = Field(None, description=TIME_HELP)
    is_online: bool | None = None
    venue: Annotated[str, Field(max_length=200), Safe] | None = None
    address: Annotated[str, Field(max_length=300), Safe] | None = None
    city: Annotated[str, Field(max_length=100), Safe] | None = None
    country: Annotated[str, Field(max_length=100), Safe] | None = None
    join_url: Annotated[str, Field(max_length=500), Safe] | None = Field(
        None, description="Shown only to organizers and to members going."
    )
    capacity: int | None = Field(None, ge=1, le=100_000)
    cme_credits: float | None = Field(None, ge=0, le=999.99)
    specialties: list[Short] | None = Field(None, max_length=10, description="Specialty slugs.")
    topics: list[Short] | None = Field(None, max_length=10, description="Interest (topic) slugs.")
    skills: list[Annotated[str, Field(max_length=50), Safe]] | None = Field(
        None, max_length=20, description="Volunteering skills needed."
    )
    organization: Annotated[str, Field(max_length=220), Safe] | None = Field(
        None, description="Slug of an organization you currently work at."
    )
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class EventIn(_EventFields):
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE), Safe]
    kind: KindIn = "networking"
    starts_at: datetime = Field(..., description=TIME_HELP)
    ends_at: datetime = Field(..., description=TIME_HELP)
    time_zone: Annotated[str, Field(max_length=64), Safe] = Field(
        "UTC", description="IANA zone of the event (e.g. America/Chicago)."
    )
    group: Short = Field("", description="Slug of a group you are an active member of.")


class EventPatchIn(_EventFields):
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE), Safe] | None = None
    kind: KindIn | None = None
    starts_at: datetime | None = Field(None, description=TIME_HELP)
    ends_at: datetime | None = Field(None, description=TIME_HELP)
    time_zone: Annotated[str, Field(max_length=64), Safe] | None = None


#: Fields whose null in a PATCH means "clear it" (others: null = unchanged).
CLEARABLE = frozenset({"capacity", "cme_credits", "registration_deadline"})


class CancelIn(InSchema):
    reason: Annotated[str, Field(max_length=MAX_CANCEL_REASON), Safe] = ""
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class HandleIn(InSchema):
    handle: Annotated[str, Field(min_length=1, max_length=41), Safe]


class ShiftIn(InSchema):
    title: Annotated[str, Field(min_length=1, max_length=MAX_SHIFT_TITLE), Safe]
    starts_at: datetime = Field(..., description=TIME_HELP)
    ends_at: datetime = Field(..., description=TIME_HELP)
    capacity: int | None = Field(None, ge=1, le=100_000)
    acknowledge_warnings: bool = Field(False, description=ACK_DESCRIPTION)


class RegistrationIn(InSchema):
    state: Literal["going", "interested"] = "going"
    shift: int | None = Field(None, ge=1, description="Volunteering: the shift's id.")
    roster_visibility: Literal["registrants", "hidden"] | None = None
    waitlist: bool = Field(
        True, description="When full: join the waitlist (true) or refuse with a 409 (false)."
    )


class VisibilityIn(InSchema):
    roster_visibility: Literal["registrants", "hidden"]


class AttendanceIn(InSchema):
    attended: bool = True


class DiscoveryParams(PageParams):
    kind: KindIn | None = None
    date_from: date | None = Field(None, description="Day (in your time zone) from.")
    date_to: date | None = Field(None, description="Day (in your time zone) until.")
    city: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = ""
    online: bool | None = Field(None, description="true: online only; false: in person only.")
    specialty: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = ""
    topic: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = ""
    skill: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = ""
    cme: bool = Field(False, description="Only events with CME credits.")
    q: Annotated[str, Field(max_length=MAX_QUERY_PARAM), Safe] = Field(
        "", description="Words in the title."
    )


class MineParams(PageParams):
    section: Literal["organizing", "going", "interested", "past"] = "going"


class RosterParams(PageParams):
    state: Literal["going", "interested", "waitlisted"] | None = None


# --- out ---------------------------------------------------------------------------------------


class MemberRef(Schema):
    handle: str
    display_name: str
    url: str


class ViewerOut(Schema):
    registration_state: str | None
    roster_visibility: str | None
    shift: int | None
    can_manage: bool = Field(
        ..., description="Organizer rights: edit, roster and CSV, attendance, co-organizers."
    )
    can_register: bool = Field(..., description="False for the event's organizers (hosts).")
    is_owner: bool = Field(False, description="You created the event.")
    can_cancel: bool = Field(
        False, description="Cancel the event, remove co-organizers: the owner only."
    )


class ShiftOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    going_count: int


class EventOut(Schema):
    id: int
    url: str
    title: str
    kind: str
    state: str
    phase: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    is_online: bool
    venue: str
    address: str
    city: str
    country: str
    join_url: str | None = Field(None, description="Only for organizers and members going.")
    organizer: MemberRef | None
    group: str | None
    organization: str | None
    capacity: int | None
    going_count: int
    waitlist_count: int
    registration_deadline: datetime | None
    cme_credits: str | None
    cancel_reason: str
    viewer: ViewerOut | None = Field(None, description="Your registration (members).")
    # Only on the single event:
    description: str | None = None
    description_html: str | None = None
    specialties: list[str] | None = None
    topics: list[str] | None = None
    skills: list[str] | None = None
    shifts: list[ShiftOut] | None = None
    co_organizers: list[MemberRef] | None = None


class RegistrationOut(Schema):
    event: int
    state: str
    waitlist_position: int | None = Field(None, description="1-based, when waitlisted.")
    roster_visibility: str
    shift: int | None
    waitlisted_at: datetime | None
    attended_at: datetime | None
    created_at: datetime


class RosterEntryOut(Schema):
    member: MemberRef
    headline: str
    state: str
    shift: int | None
    listed: bool = Field(..., description="False: hidden from other registrants.")


def member_ref(request: HttpRequest, user: Any) -> dict[str, Any] | None:
    profile = getattr(user, "profile", None) if user is not None else None
    if profile is None:
        return None
    return {
        "handle": profile.handle,
        "display_name": profile.display_name,
        "url": request.build_absolute_uri(reverse("profiles:detail", args=[profile.handle])),
    }


def shift_out(shift: EventShift) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "title": shift.title,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "capacity": shift.capacity,
        "going_count": shift.going_count,
    }


def event_out(
    request: HttpRequest,
    event: Event,
    viewer: Any,
    *,
    detail: bool = False,
    details: Any = None,
    urls: Urls | None = None,
) -> dict[str, Any]:
    """An event as ``EventOut``. ``detail``: the single event, with ``details``
    (``page.details(event)``: tags, shifts, co-organizers)."""
    member = viewer is not None and viewer.is_authenticated
    if detail:
        urls = urls or Urls(request)
        registration = policies.registration_of(viewer, event)
        viewer_out = (
            {
                "registration_state": registration.state if registration else None,
                "roster_visibility": registration.roster_visibility if registration else None,
                "shift": registration.shift_id if registration else None,
                "can_manage": policies.can_edit(viewer, event),
                "can_register": policies.can_register(viewer, event),
                "is_owner": policies.is_owner(viewer, event),
                "can_cancel": policies.can_cancel(viewer, event),
            }
            if member
            else None
        )
        join_url = event.join_url if policies.can_see_join_link(viewer, event) else None
    else:
        state = getattr(event, "viewer_state", None)
        manages = member and (
            event.organizer_id == viewer.pk or bool(getattr(event, "viewer_co_organizer", False))
        )
        viewer_out = (
            {
                "registration_state": state,
                "roster_visibility": None,
                "shift": None,
                "can_manage": manages,
                "can_register": event.state == "published" and not manages,
                "is_owner": event.organizer_id == viewer.pk,
                "can_cancel": event.organizer_id == viewer.pk or bool(viewer.is_staff),
            }
            if member
            else None
        )
        join_url = event.join_url if manages or state in ("going", "attended") else None
    data: dict[str, Any] = {
        "id": event.pk,
        "url": urls.event(event.pk)
        if urls is not None
        else request.build_absolute_uri(reverse("events:detail", args=[event.pk])),
        "title": event.title,
        "kind": event.kind,
        "state": event.state,
        "phase": event.phase_at(timezone.now()),
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "time_zone": event.time_zone,
        "is_online": event.is_online,
        "venue": event.venue,
        "address": event.address,
        "city": event.city,
        "country": event.country,
        "join_url": join_url or None,
        "organizer": member_ref(request, event.organizer),
        "group": event.group.slug if event.group_id and event.group else None,
        "organization": event.organization.slug
        if event.organization_id and event.organization
        else None,
        "capacity": event.capacity,
        "going_count": event.going_count,
        "waitlist_count": event.waitlist_count,
        "registration_deadline": event.registration_deadline,
        "cme_credits": str(event.cme_credits) if event.cme_credits is not None else None,
        "cancel_reason": event.cancel_reason,
        "viewer": viewer_out,
    }
    if detail:
        assert details is not None and urls is not None
        data.update(
            {
                "description": event.description,
                "description_html": event.description_html,
                "specialties": [s.slug for s in details.specialties],
                "topics": [t.slug for t in details.topics],
                "skills": [s.name for s in details.skills],
                "shifts": [shift_out(s) for s in details.shifts],
                "co_organizers": [
                    {
                        "handle": ref.handle,
                        "display_name": ref.display_name,
                        "url": urls.member(ref.handle),
                    }
                    for ref in details.co_organizers
                ],
            }
        )
    return data


#: A number no event id reaches, marking where the id goes in a reversed URL.
_ID_MARK = 987654321987
_PLAIN_HANDLE = re.compile(r"[A-Za-z0-9_-]+")


class Urls:
    """Absolute URLs of events and members for one request, joined from a reversed template
    (``reverse`` + ``build_absolute_uri`` per row cost ~40 µs; a page has 20 events and their
    organizers). A handle with anything but ASCII letters, digits, ``-`` and ``_`` (which
    ``reverse`` would quote) goes through ``reverse``."""

    def __init__(self, request: HttpRequest):
        self.request = request
        mark = str(_ID_MARK)
        url = request.build_absolute_uri(reverse("events:detail", args=[_ID_MARK]))
        self._event = url.split(mark, 1)
        url = request.build_absolute_uri(reverse("profiles:detail", args=[f"h{mark}"]))
        self._member = url.split(f"h{mark}", 1)

    def event(self, pk: int) -> str:
        return f"{self._event[0]}{int(pk)}{self._event[1]}"

    def member(self, handle: str) -> str:
        if _PLAIN_HANDLE.fullmatch(handle):
            return f"{self._member[0]}{handle}{self._member[1]}"
        return self.request.build_absolute_uri(reverse("profiles:detail", args=[handle]))


#: The single event's fields, null in a list item (what validation against ``EventOut`` adds).
LIST_ITEM_ABSENT: dict[str, None] = dict.fromkeys(
    (
        "description",
        "description_html",
        "specialties",
        "topics",
        "skills",
        "shifts",
        "co_organizers",
    )
)


def event_row_out(urls: Urls, row: Any, viewer: Any, *, now: datetime) -> dict[str, Any]:
    """``event_out(request, event, viewer)`` (a list item) of an ``rows.EventRow``: the same
    payload (``tests/test_rows.py`` compares them), without model instances."""
    member = viewer is not None and viewer.is_authenticated
    state = row.viewer_state
    manages = member and (row.organizer_id == viewer.pk or bool(row.viewer_co_organizer))
    viewer_out = (
        {
            "registration_state": state,
            "roster_visibility": None,
            "shift": None,
            "can_manage": manages,
            "can_register": row.state == "published" and not manages,
            "is_owner": row.organizer_id == viewer.pk,
            "can_cancel": row.organizer_id == viewer.pk or bool(viewer.is_staff),
        }
        if member
        else None
    )
    join_url = row.join_url if manages or state in ("going", "attended") else None
    handle = row.organizer_handle
    return {
        "id": row.pk,
        "url": urls.event(row.pk),
        "title": row.title,
        "kind": row.kind,
        "state": row.state,
        "phase": row.phase_at(now),
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "time_zone": row.time_zone,
        "is_online": row.is_online,
        "venue": row.venue,
        "address": row.address,
        "city": row.city,
        "country": row.country,
        "join_url": join_url or None,
        "organizer": {
            "handle": handle,
            "display_name": row.organizer_display_name,
            "url": urls.member(handle),
        }
        if handle is not None
        else None,
        "group": row.group_slug if row.group_id else None,
        "organization": row.organization_slug if row.organization_id else None,
        "capacity": row.capacity,
        "going_count": row.going_count,
        "waitlist_count": row.waitlist_count,
        "registration_deadline": row.registration_deadline,
        "cme_credits": str(row.cme_credits) if row.cme_credits is not None else None,
        "cancel_reason": row.cancel_reason,
        "viewer": viewer_out,
        **LIST_ITEM_ABSENT,
    }


def registration_out(row: Registration) -> dict[str, Any]:
    from .selectors import waitlist_position

    return {
        "event": row.event_id,
        "state": row.state,
        "waitlist_position": waitlist_position(row),
        "roster_visibility": row.roster_visibility,
        "shift": row.shift_id,
        "waitlisted_at": row.waitlisted_at,
        "attended_at": row.attended_at,
        "created_at": row.created_at,
    }


def roster_entry_out(
    request: HttpRequest, row: Registration, *, urls: Urls | None = None
) -> dict[str, Any]:
    profile = getattr(row.user, "profile", None)
    if profile is not None and urls is not None:
        member: dict[str, Any] | None = {
            "handle": profile.handle,
            "display_name": profile.display_name,
            "url": urls.member(profile.handle),
        }
    else:
        member = member_ref(request, row.user)
    return {
        "member": member or {"handle": "", "display_name": "A member", "url": ""},
        "headline": profile.headline if profile else "",
        "state": row.state,
        "shift": row.shift_id,
        "listed": row.roster_visibility == "registrants",
    }


def roster_entry_row_out(entry: Any, *, urls: Urls) -> dict[str, Any]:
    """``roster_entry_out`` of a ``rosters.Entry`` (the same payload, no model instances)."""
    handle = entry.handle
    member = (
        {"handle": handle, "display_name": entry.display_name, "url": urls.member(handle)}
        if handle is not None
        else {"handle": "", "display_name": "A member", "url": ""}
    )
    return {
        "member": member,
        "headline": entry.headline or "",
        "state": entry.state,
        "shift": entry.shift_id,
        "listed": entry.roster_visibility == "registrants",
    }
