"""JSON API for preparing and following up (``/api/v1/events``): goal, who to meet, people I
met, connection requests to them, follow-up state and reminders, recommended events.

Thin: ``access_event`` (404 when the event is not visible) → the registrant policy (403: the
event is visible, the action is not) → one service or selector → serialise.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rounds.core.api_utils import (
    PageOut,
    PageParams,
    error_responses,
    page_out,
    trusted_json,
    viewer_of,
)
from rounds.core.errors import Forbidden, NotFound
from rounds.guard.schemas import GuardErrorOut
from rounds.network.schemas import member_summary_out

from . import preparation, recommend, selectors_prepare
from .access import access_event, read_event
from .models import Event
from .policies import registration_of
from .schemas_prepare import (
    AttendeeOut,
    CandidateParams,
    ConnectIn,
    ConnectOut,
    FollowUpIn,
    FollowUpOut,
    GoalIn,
    GoalOut,
    MetIn,
    MetOut,
    RecommendedEventOut,
    RecommendedParams,
    WhoToMeetOut,
    follow_up_out,
    goal_out,
    met_out,
    recommended_out,
    who_to_meet_page_out,
)

router = Router(tags=["events: prepare and follow up"])

READ_ERRORS = error_responses(401, 403, 404, 422)
WRITE_ERRORS = {**error_responses(400, 401, 403, 404, 409, 429), 422: GuardErrorOut}
_EVENT_ID = Path(..., description="The event's id.")
_HANDLE = Path(..., description="The attendee's handle.")


def _preparing(request: HttpRequest, event_id: int, *, read: bool = False) -> tuple[Any, Event]:
    """The viewer and the event they prepare for (403 unless a registrant). ``read``: a GET,
    through ``read_event`` (compiled once per process); writes keep ``access_event``."""
    viewer = viewer_of(request)
    event = read_event(viewer, event_id) if read else access_event(viewer, event_id)
    if not preparation.can_prepare(viewer, event):
        raise Forbidden(preparation.NOT_REGISTERED)
    return viewer, event


def _attending(request: HttpRequest, event_id: int) -> tuple[Any, Event]:
    viewer = viewer_of(request)
    event = access_event(viewer, event_id)
    if not preparation.can_record_meetings(viewer, event):
        raise Forbidden(preparation.NOT_ATTENDING)
    return viewer, event


# --- lists across events -------------------------------------------------------------------------


@router.get(
    "/recommended",
    response={200: list[RecommendedEventOut], **error_responses(401, 422)},
    summary="Events recommended for you",
    description=(
        "Upcoming events you may see and have not registered for, ranked by your specialties, "
        "goals and interests and by how many of your connections are going, each with reasons."
    ),
)
def recommended(request: HttpRequest, params: Query[RecommendedParams]) -> Any:
    recs = recommend.recommended_events_for(viewer=viewer_of(request), limit=params.limit)
    return [recommended_out(request, rec) for rec in recs]


@router.get(
    "/follow-ups",
    response={200: list[FollowUpOut], **error_responses(401)},
    summary="Your pending event follow-ups",
    description=(
        "Events you went to that ended in the last 30 days and whose follow-up is still "
        "pending (the reminder on your home page), most recent first."
    ),
)
def follow_ups(request: HttpRequest) -> Any:
    rows = selectors_prepare.follow_ups_for(viewer=viewer_of(request), limit=20)
    return [follow_up_out(row) for row in rows]


# --- goal ----------------------------------------------------------------------------------------


@router.get(
    "/{event_id}/goal",
    response={200: GoalOut, **READ_ERRORS},
    summary="Your goal for an event",
    description="Registrants only (403 otherwise); private to you.",
)
def goal_get(request: HttpRequest, event_id: int = _EVENT_ID) -> Any:
    viewer, event = _preparing(request, event_id, read=True)
    registration = registration_of(viewer, event)
    assert registration is not None
    return goal_out(registration, selectors_prepare.goal_tags_of(registration))


@router.put(
    "/{event_id}/goal",
    response={200: GoalOut, **WRITE_ERRORS},
    summary="Set your goal for an event",
    description=(
        "Registrants only. `goal` (text) and `goal_tags` (goal slugs, at most five); omitted "
        "parts stay as they are. The text passes the professionalism guard."
    ),
)
def goal_put(request: HttpRequest, body: GoalIn, event_id: int = _EVENT_ID) -> Any:
    viewer, event = _preparing(request, event_id)
    registration = preparation.goal_set(
        actor=viewer,
        event=event,
        goal=body.goal,
        goal_tags=body.goal_tags,
        acknowledge_warnings=body.acknowledge_warnings,
    )
    return goal_out(registration, selectors_prepare.goal_tags_of(registration))


# --- who to meet ---------------------------------------------------------------------------------


@router.get(
    "/{event_id}/who-to-meet",
    response={200: PageOut[WhoToMeetOut], **READ_ERRORS},
    summary="Who to meet at an event",
    description=(
        "Registrants only (403 otherwise). The other registrants who let registrants see them, "
        "best fit with your goal and profile first, with reasons; connections and strategic "
        "contacts (outside your organizations) are marked."
    ),
)
def who_to_meet(request: HttpRequest, params: Query[PageParams], event_id: int = _EVENT_ID) -> Any:
    viewer, event = _preparing(request, event_id, read=True)
    page = selectors_prepare.who_to_meet_page(
        viewer=viewer, event=event, page=params.page, size=params.page_size
    )
    # Plain dicts in their final form (cached member cards): sent without per-request
    # validation, checked against the schema in tests (``trusted_json``).
    return trusted_json(who_to_meet_page_out(request, page), PageOut[WhoToMeetOut])


# --- people I met --------------------------------------------------------------------------------


@router.get(
    "/{event_id}/met",
    response={200: list[MetOut], **READ_ERRORS},
    summary="People you met at an event",
    description=(
        "Members who were going (or attended) only (403 otherwise). Your marks, newest first, "
        "with your private notes and whether you can still send a connection request."
    ),
)
def met_list(request: HttpRequest, event_id: int = _EVENT_ID) -> Any:
    viewer, event = _attending(request, event_id)
    rows = selectors_prepare.met_marks_for(viewer=viewer, event=event)
    return [
        met_out(
            request,
            row.mark,
            row.profile,
            connected=row.connected,
            pending=row.pending,
            prefill=preparation.connection_note_prefill(
                event=event, other_name=row.profile.display_name
            ),
        )
        for row in rows
    ]


@router.get(
    "/{event_id}/met/candidates",
    response={200: PageOut[AttendeeOut], **READ_ERRORS},
    summary="Attendees you can mark as met",
    description=(
        "Attendees who were going and let registrants see them, and the organizers, by name; "
        "`q` filters by name or headline."
    ),
)
def met_candidates(
    request: HttpRequest, params: Query[CandidateParams], event_id: int = _EVENT_ID
) -> Any:
    viewer, event = _attending(request, event_id)
    page = selectors_prepare.met_candidates_for(
        viewer=viewer, event=event, query=params.q.strip(), page=params.page, size=params.page_size
    )
    return page_out(
        page,
        lambda profile: {
            "member": member_summary_out(request, profile.user),
            "met": bool(getattr(profile, "met", False)),
        },
    )


def _met_row(request: HttpRequest, viewer: Any, event: Event, other: Any) -> dict[str, Any]:
    for row in selectors_prepare.met_marks_for(viewer=viewer, event=event):
        if row.profile.user_id == other.pk:
            return met_out(
                request,
                row.mark,
                row.profile,
                connected=row.connected,
                pending=row.pending,
                prefill=preparation.connection_note_prefill(
                    event=event, other_name=row.profile.display_name
                ),
            )
    raise NotFound("You have not marked this attendee.")


@router.put(
    "/{event_id}/met/{handle}",
    response={200: MetOut, 201: MetOut, **WRITE_ERRORS},
    summary="Mark an attendee as met (or change your note)",
    description=(
        "Once the event has started (409 before). 201 when newly marked: a dated interaction "
        "is written to your network. `note` is private and passes the professionalism guard."
    ),
)
def met_put(
    request: HttpRequest, body: MetIn, event_id: int = _EVENT_ID, handle: str = _HANDLE
) -> Any:
    viewer, event = _attending(request, event_id)
    other = selectors_prepare.access_met_candidate(viewer, event, handle)
    _, created = preparation.met_mark(
        actor=viewer,
        event=event,
        other=other,
        note=body.note,
        acknowledge_warnings=body.acknowledge_warnings,
    )
    return Status(201 if created else 200, _met_row(request, viewer, event, other))


@router.delete(
    "/{event_id}/met/{handle}",
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Unmark an attendee",
    description="Removes your mark and the interaction it wrote.",
)
def met_delete(request: HttpRequest, event_id: int = _EVENT_ID, handle: str = _HANDLE) -> Any:
    viewer, event = _attending(request, event_id)
    other = selectors_prepare.met_mark_of(viewer, event, handle)
    preparation.met_unmark(actor=viewer, event=event, other_id=other.pk)
    return Status(204, None)


@router.post(
    "/{event_id}/met/{handle}/connect",
    response={201: ConnectOut, **WRITE_ERRORS},
    summary="Ask someone you met to connect",
    description=(
        "Sends a connection request with `note`, or the prefilled note when omitted "
        "(`connect_note` in the met list). 409 when already connected or a request is pending."
    ),
)
def met_connect(
    request: HttpRequest, body: ConnectIn, event_id: int = _EVENT_ID, handle: str = _HANDLE
) -> Any:
    viewer, event = _attending(request, event_id)
    other = selectors_prepare.met_mark_of(viewer, event, handle)
    sent = preparation.met_connect(
        actor=viewer,
        event=event,
        other=other,
        note=body.note,
        acknowledge_warnings=body.acknowledge_warnings,
    )
    return Status(
        201,
        {
            "id": sent.pk,
            "member": member_summary_out(request, other),
            "note": sent.note,
            "state": sent.state,
            "expires_at": sent.expires_at,
        },
    )


# --- follow-up -----------------------------------------------------------------------------------


@router.get(
    "/{event_id}/follow-up",
    response={200: FollowUpOut, **READ_ERRORS},
    summary="Your follow-up state for an event",
)
def follow_up_get(request: HttpRequest, event_id: int = _EVENT_ID) -> Any:
    viewer, event = _attending(request, event_id)
    registration = registration_of(viewer, event)
    assert registration is not None
    registration.event = event
    return follow_up_out(registration)


@router.put(
    "/{event_id}/follow-up",
    response={200: FollowUpOut, **error_responses(400, 401, 403, 404, 409, 422)},
    summary="Mark your follow-up done, dismissed or pending",
    description="Done or dismissed removes the home-page reminder; pending brings it back.",
)
def follow_up_put(request: HttpRequest, body: FollowUpIn, event_id: int = _EVENT_ID) -> Any:
    viewer, event = _attending(request, event_id)
    registration = preparation.follow_up_set(actor=viewer, event=event, state=body.state)
    registration.event = event
    return follow_up_out(registration)
