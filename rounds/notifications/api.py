"""JSON API of notifications (``/api/v1/notifications``): the member's own list (cursor),
unread count, mark read (one or all) and email delivery per kind. Everything is the signed-in
member's own: another member's notification is a 404, exactly like a missing one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from rounds.core.api_utils import error_responses, member_auth, trusted_json, viewer_of
from rounds.core.errors import NotFound

from .access import NOT_FOUND, access_notification_by_id
from .schemas import (
    NotificationListParams,
    NotificationOut,
    NotificationPageOut,
    PreferencesIn,
    PreferencesOut,
    ReadAllIn,
    ReadAllOut,
    UnreadCountOut,
    notification_out,
    notification_row_out,
    preference_out,
)
from .selectors import (
    UNREAD_API_CAP,
    notification_rows_for,
    preference_rows_for,
    unread_count_for,
)
from .services import notification_mark_read, notifications_mark_all_read, preferences_update

router = Router(tags=["notifications"], auth=member_auth)


def _id(value: int) -> int:
    if not 1 <= value <= 2**63 - 1:
        raise NotFound(NOT_FOUND)
    return value


@router.get(
    "",
    response={200: NotificationPageOut, **error_responses(401, 422)},
    summary="Your notifications",
    description=(
        "Newest first, cursor-paginated: pass `next_cursor` as `cursor` for older ones. "
        "`unread=true` keeps the unread ones. A malformed cursor is a 422."
    ),
)
def notification_list(request: HttpRequest, params: Query[NotificationListParams]) -> HttpResponse:
    viewer = viewer_of(request)
    page = notification_rows_for(
        viewer=viewer, cursor=params.cursor, size=params.limit, unread=params.unread
    )
    payload = {
        "items": [notification_row_out(request, row) for row in page.rows],
        "next_cursor": page.next_cursor,
        "has_next": page.has_next,
    }
    return trusted_json(payload, NotificationPageOut)


@router.get(
    "/unread-count",
    response={200: UnreadCountOut, **error_responses(401)},
    summary="How many notifications are unread",
)
def unread_count(request: HttpRequest) -> dict[str, Any]:
    count = unread_count_for(viewer=viewer_of(request), cap=UNREAD_API_CAP)
    return {"unread": count, "capped": count >= UNREAD_API_CAP}


@router.post(
    "/read-all",
    response={200: ReadAllOut, **error_responses(401, 422)},
    summary="Mark all your notifications read",
    description="With `up_to_id`, only those up to that id (the newest you showed).",
)
def read_all(request: HttpRequest, payload: ReadAllIn) -> dict[str, Any]:
    marked = notifications_mark_all_read(actor=viewer_of(request), up_to_id=payload.up_to_id)
    return {"marked": marked}


@router.get(
    "/preferences",
    response={200: PreferencesOut, **error_responses(401)},
    summary="Your email delivery per kind of notification",
)
def preferences_get(request: HttpRequest) -> dict[str, Any]:
    viewer = viewer_of(request)
    return {
        "email": viewer.email,
        "items": [preference_out(row) for row in preference_rows_for(user_id=viewer.pk)],
    }


@router.put(
    "/preferences",
    response={200: PreferencesOut, **error_responses(401, 422)},
    summary="Change your email delivery",
    description=(
        'Send `{"preferences": {kind: delivery}}` for the kinds to change (`immediate`, '
        "`digest` or `off`); kinds not named keep theirs. All or nothing."
    ),
)
def preferences_put(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    preferences_update(actor=viewer, changes=dict(payload.preferences))
    return preferences_get(request)


@router.get(
    "/{notification_id}",
    response={200: NotificationOut, **error_responses(401, 404)},
    summary="One of your notifications",
)
def notification_detail(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    notification = access_notification_by_id(viewer_of(request), _id(notification_id))
    return notification_out(request, notification)


@router.post(
    "/{notification_id}/read",
    response={200: NotificationOut, **error_responses(401, 404)},
    summary="Mark one of your notifications read",
)
def notification_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    notification = notification_mark_read(
        actor=viewer_of(request), notification_id=_id(notification_id)
    )
    return notification_out(request, notification)
