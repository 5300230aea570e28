"""JSON API for events (``/api/v1/events``). Thin: parse → ``access`` → one service or
selector → serialise. e2 and e3 mount their own routers at the same prefix in config/api.py.

Visibility is the pages': an event the viewer may not see (a draft of someone else, a private
group's event, a hidden one, an organizer who blocked them) is a 404; a visible-but-forbidden
action (editing someone else's event, the roster of an event you are not registered for) 403.
Times are UTC ISO 8601; each event says its own ``time_zone`` (an edit keeps wall-clock times in
it). Rights: ``policies`` (the owner and co-organizers edit and manage registrations; only the
owner cancels or removes co-organizers).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from rounds.core.api_utils import (
    PageOut,
    error_responses,
    member_auth,
    optional_auth,
    page_out,
    trusted_json,
    viewer_of,
)
from rounds.core.errors import Forbidden, NotFound
from rounds.core.pagination import paginate
from rounds.guard.schemas import GuardErrorOut

from . import page, policies, rosters, selectors, services
from .access import access_event, read_event
from .models import Event
from .rows import discover_page
from .schemas import (
    CLEARABLE,
    AttendanceIn,
    CancelIn,
    DiscoveryParams,
    EventIn,
    EventOut,
    EventPatchIn,
    HandleIn,
    MemberRef,
    MineParams,
    RegistrationIn,
    RegistrationOut,
    RosterEntryOut,
    RosterParams,
    ShiftIn,
    ShiftOut,
    Urls,
    VisibilityIn,
    event_out,
    event_row_out,
    member_ref,
    registration_out,
    roster_entry_row_out,
    shift_out,
)

router = Router(tags=["events"])

WRITE_ERRORS = {**error_responses(400, 401, 403, 404, 409, 429), 422: GuardErrorOut}
READ_ERRORS = error_responses(401, 403, 404, 422)


def _detail(request: HttpRequest, event: Event, viewer: Any) -> dict[str, Any]:
    return event_out(request, event, viewer, detail=True, details=page.details(event))


def _reloaded(event: Event, viewer: Any) -> Event:
    """The event after a write, with the viewer's state loaded again."""
    return access_event(viewer, event.pk)


def _require(allowed: bool, message: str = services.ORGANIZERS_ONLY) -> None:
    if not allowed:
        raise Forbidden(message)


# --- lists -------------------------------------------------------------------------------------


@router.get(
    "",
    auth=optional_auth,
    response={200: PageOut[EventOut], **READ_ERRORS},
    summary="Upcoming events",
    description=(
        "Published upcoming (and ongoing) events you may see, soonest first. Filters: `kind`, "
        "`date_from`/`date_to` (days in your time zone), `city`, `online`, `specialty`, "
        "`topic`, `skill` (slugs), `cme`, `q` (words in the title)."
    ),
)
def event_list(request: HttpRequest, params: Query[DiscoveryParams]) -> HttpResponse:
    viewer = viewer_of(request)
    filters = selectors.DiscoveryFilters(
        kind=params.kind or "",
        date_from=params.date_from if params.date_from and params.date_from.year >= 2000 else None,
        date_to=params.date_to if params.date_to and params.date_to.year <= 9000 else None,
        city=params.city,
        online=params.online,
        specialty=params.specialty,
        topic=params.topic,
        cme=params.cme,
        skill=params.skill,
        q=params.q,
    )
    page = discover_page(viewer=viewer, filters=filters, page=params.page, size=params.page_size)
    urls, now = Urls(request), timezone.now()
    payload = page_out(page, lambda row: event_row_out(urls, row, viewer, now=now))
    return trusted_json(payload, PageOut[EventOut])


@router.get(
    "/mine",
    auth=member_auth,
    response={200: PageOut[EventOut], **READ_ERRORS},
    summary="My events",
    description=(
        "`organizing` (upcoming, drafts included), `going` (upcoming), `interested` "
        "(interested or waitlisted, upcoming), `past` (ended events you went to or organized)."
    ),
)
def my_events(request: HttpRequest, params: Query[MineParams]) -> dict[str, Any]:
    viewer = viewer_of(request)
    qs = selectors.my_events(viewer=viewer, section=params.section)
    page = paginate(qs, page=params.page, size=params.page_size)
    return page_out(page, lambda event: event_out(request, event, viewer))


# --- one event ---------------------------------------------------------------------------------


@router.post(
    "",
    auth=member_auth,
    response={201: EventOut, **WRITE_ERRORS},
    summary="Create an event (a draft)",
    description=(
        "You organize it. Publish it with `POST /events/{id}/publish`. Title and description "
        "pass the professionalism guard. `group`: only its active members may create events "
        "in it."
    ),
)
def event_create(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    data = payload.dict()
    acknowledge = bool(data.pop("acknowledge_warnings", False))
    fields = {key: value for key, value in data.items() if value is not None}
    event = services.event_create(actor=viewer, acknowledge_warnings=acknowledge, **fields)
    return Status(201, _detail(request, _reloaded(event, viewer), viewer))


@router.get(
    "/{int:event_id}",
    auth=optional_auth,
    response={200: EventOut, **READ_ERRORS},
    summary="An event",
    description="The join link only for organizers and members going.",
)
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    return trusted_json(_detail(request, read_event(viewer, event_id), viewer), EventOut)


@router.patch(
    "/{int:event_id}",
    auth=member_auth,
    response={200: EventOut, **WRITE_ERRORS},
    summary="Edit an event (the owner and co-organizers)",
    description=(
        "Only the fields sent change; `null` clears `capacity`, `cme_credits` and "
        "`registration_deadline` and leaves the others unchanged. Times are wall-clock times "
        "in `time_zone`: a time sent without an offset is read in the event's (new) zone, and "
        "changing only `time_zone` keeps the wall-clock times (start, end, deadline, shifts), "
        "so the instants move, as with the edit form. A time sent with an offset is taken as "
        "that instant. Registrants are told when the time or place of a published event "
        "changes."
    ),
)
def event_update(request: HttpRequest, event_id: int, payload: EventPatchIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    _require(policies.can_edit(viewer, event))
    changes = payload.dict(exclude_unset=True)
    acknowledge = bool(changes.pop("acknowledge_warnings", False))
    changes = {k: v for k, v in changes.items() if v is not None or k in CLEARABLE}
    services.event_update(
        actor=viewer, event=event, changes=changes, acknowledge_warnings=acknowledge
    )
    return _detail(request, _reloaded(event, viewer), viewer)


@router.post(
    "/{int:event_id}/publish",
    auth=member_auth,
    response={200: EventOut, **WRITE_ERRORS},
    summary="Publish a draft (the owner and co-organizers)",
)
def event_publish(request: HttpRequest, event_id: int) -> dict[str, Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    services.event_publish(actor=viewer, event=event)
    return _detail(request, _reloaded(event, viewer), viewer)


@router.post(
    "/{int:event_id}/cancel",
    auth=member_auth,
    response={200: EventOut, **WRITE_ERRORS},
    summary="Cancel an event (the owner only)",
    description=(
        "Everyone registered is told, with the reason (guarded text). Only the event's owner "
        "(the member who created it) may cancel it: a co-organizer gets a 403."
    ),
)
def event_cancel(request: HttpRequest, event_id: int, payload: CancelIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    services.event_cancel(
        actor=viewer,
        event=event,
        reason=payload.reason,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return _detail(request, _reloaded(event, viewer), viewer)


# --- co-organizers and shifts -------------------------------------------------------------------


@router.get(
    "/{int:event_id}/organizers",
    auth=optional_auth,
    response={200: list[MemberRef], **READ_ERRORS},
    summary="The event's co-organizers",
)
def organizer_list(request: HttpRequest, event_id: int) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    refs = (member_ref(request, row.user) for row in selectors.co_organizers(event=event))
    return [ref for ref in refs if ref]


@router.post(
    "/{int:event_id}/organizers",
    auth=member_auth,
    response={201: MemberRef, **WRITE_ERRORS},
    summary="Add a co-organizer by handle (the owner and co-organizers)",
    description=(
        "Co-organizers edit the event, see the roster and CSV and mark attendance; only the "
        "owner cancels it or removes co-organizers. A registration the new co-organizer held "
        "is cancelled (organizers host and take no place)."
    ),
)
def organizer_add(request: HttpRequest, event_id: int, payload: HandleIn) -> Status[Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    row = services.co_organizer_add(actor=viewer, event=event, handle=payload.handle)
    return Status(201, member_ref(request, row.user))


@router.delete(
    "/{int:event_id}/organizers/{handle}",
    auth=member_auth,
    response={204: None, **WRITE_ERRORS},
    summary="Remove a co-organizer (the owner; or step down yourself)",
    description=(
        "Only the event's owner removes other co-organizers (403 otherwise); any co-organizer "
        "may remove themselves. The owner cannot be removed (403 for a co-organizer, 409 for "
        "the owner: cancel the event instead)."
    ),
)
def organizer_remove(request: HttpRequest, event_id: int, handle: str) -> Status[None]:
    from rounds.profiles.models import Profile

    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    user_id = (
        Profile.objects.filter(handle=handle[:40]).values_list("user_id", flat=True).first()
        if "\x00" not in handle
        else None
    )
    if user_id is None:
        raise NotFound("They do not co-organize this event.")
    services.co_organizer_remove(actor=viewer, event=event, user_id=user_id)
    return Status(204, None)


@router.get(
    "/{int:event_id}/shifts",
    auth=optional_auth,
    response={200: list[ShiftOut], **READ_ERRORS},
    summary="A volunteering event's shifts",
)
def shift_list(request: HttpRequest, event_id: int) -> list[dict[str, Any]]:
    event = access_event(viewer_of(request), event_id)
    return [shift_out(shift) for shift in event.shifts.all()]


@router.post(
    "/{int:event_id}/shifts",
    auth=member_auth,
    response={201: ShiftOut, **WRITE_ERRORS},
    summary="Add a shift (the owner and co-organizers; volunteering events)",
)
def shift_add(request: HttpRequest, event_id: int, payload: ShiftIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    shift = services.shift_add(actor=viewer, event=event, **payload.dict())
    return Status(201, shift_out(shift))


@router.delete(
    "/{int:event_id}/shifts/{int:shift_id}",
    auth=member_auth,
    response={204: None, **WRITE_ERRORS},
    summary="Delete a shift nobody registered for (the owner and co-organizers)",
)
def shift_delete(request: HttpRequest, event_id: int, shift_id: int) -> Status[None]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    if not 0 < shift_id < 2**63:
        raise NotFound("No such shift.")
    services.shift_delete(actor=viewer, event=event, shift_id=shift_id)
    return Status(204, None)


# --- registration ------------------------------------------------------------------------------


@router.get(
    "/{int:event_id}/registration",
    auth=member_auth,
    response={200: RegistrationOut, **READ_ERRORS},
    summary="Your registration",
    description="404 when you never registered.",
)
def registration_get(request: HttpRequest, event_id: int) -> dict[str, Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    row = policies.registration_of(viewer, event)
    if row is None:
        raise NotFound("You are not registered for this event.")
    return registration_out(row)


@router.put(
    "/{int:event_id}/registration",
    auth=member_auth,
    response={200: RegistrationOut, **WRITE_ERRORS},
    summary="Register: going (waitlisted when full) or interested",
    description=(
        "`state`: `going` or `interested`. When the event (or the chosen `shift`) is full, "
        "`going` puts you on the waitlist (state `waitlisted`); you are promoted "
        "automatically when a place opens up. Registering again the same way is a 409, as is "
        "registering for a draft, cancelled or started event or after the deadline. "
        "Organizers (the owner and co-organizers) host the event and cannot register (403)."
    ),
)
def registration_put(
    request: HttpRequest, event_id: int, payload: RegistrationIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    row = services.register(
        actor=viewer,
        event=event,
        state=payload.state,
        shift=payload.shift,
        roster_visibility=payload.roster_visibility,
        waitlist=payload.waitlist,
    )
    return registration_out(row)


@router.patch(
    "/{int:event_id}/registration",
    auth=member_auth,
    response={200: RegistrationOut, **WRITE_ERRORS},
    summary="Who sees you on the attendee list",
)
def registration_patch(
    request: HttpRequest, event_id: int, payload: VisibilityIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    row = services.registration_set_visibility(
        actor=viewer, event=event, roster_visibility=payload.roster_visibility
    )
    return registration_out(row)


@router.delete(
    "/{int:event_id}/registration",
    auth=member_auth,
    response={200: RegistrationOut, **WRITE_ERRORS},
    summary="Cancel your registration (before the event starts)",
)
def registration_delete(request: HttpRequest, event_id: int) -> dict[str, Any]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    return registration_out(services.registration_cancel(actor=viewer, event=event))


# --- roster and attendance ---------------------------------------------------------------------


@router.get(
    "/{int:event_id}/roster",
    auth=member_auth,
    response={200: PageOut[RosterEntryOut], **READ_ERRORS},
    summary="The attendee list",
    description=(
        "Organizers: everyone registered (`listed: false` for members hidden from other "
        "registrants). Registrants: the registrants who chose to be listed. Others: 403."
    ),
)
def roster(request: HttpRequest, event_id: int, params: Query[RosterParams]) -> HttpResponse:
    viewer = viewer_of(request)
    event = read_event(viewer, event_id)
    if not policies.can_see_roster(viewer, event):
        raise Forbidden("The attendee list is for the organizers and the registrants.")
    # The event's cached roster (``rosters``), filtered for this viewer.
    snapshot = rosters.roster_snapshot(event)
    entries = rosters.visible_entries(
        snapshot, viewer=viewer, event=event, state=params.state or ""
    )
    page = rosters.page_of(entries, page=params.page, size=params.page_size)
    urls = Urls(request)
    payload = page_out(page, lambda entry: roster_entry_row_out(entry, urls=urls))
    return trusted_json(payload, PageOut[RosterEntryOut])


@router.put(
    "/{int:event_id}/attendance/{handle}",
    auth=member_auth,
    response={200: RegistrationOut, **WRITE_ERRORS},
    summary="Mark a member as attended, or undo it (the owner and co-organizers, after the start)",
)
def attendance_put(
    request: HttpRequest, event_id: int, handle: str, payload: AttendanceIn
) -> dict[str, Any]:
    from rounds.profiles.models import Profile

    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    _require(policies.can_manage_registrations(viewer, event))
    user_id = (
        Profile.objects.filter(handle=handle[:40]).values_list("user_id", flat=True).first()
        if "\x00" not in handle
        else None
    )
    if user_id is None:
        raise NotFound("That member is not registered.")
    row = services.attendance_mark(
        actor=viewer, event=event, user_id=user_id, attended=payload.attended
    )
    return registration_out(row)
