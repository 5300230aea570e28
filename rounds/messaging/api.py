"""JSON API for direct messages, at ``/api/v1/conversations``.

Thin endpoints: parse (schemas) → resolve the viewer's seat through
``access_conversation_by_id`` (404 for anyone outside the conversation) → one service or
selector → serialise (schemas.py). Lists are cursor-paginated: pass a page's ``next_cursor``
as ``before`` (or, polling for new messages, as ``after``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rounds.core.api_utils import error_responses, member_auth, trusted_json, viewer_of
from rounds.core.errors import NotFound, ValidationFailed
from rounds.guard.schemas import GuardErrorOut
from rounds.profiles.access import access_profile_by_handle

from . import services
from .access import MAX_ID, access_conversation_by_id, access_conversation_for_read
from .models import Participant
from .schemas import (
    ConversationCreateIn,
    ConversationListParams,
    ConversationOut,
    ConversationPageOut,
    MessageIn,
    MessageListParams,
    MessageOut,
    MessagePageOut,
    ParticipantsAddIn,
    SearchPageOut,
    SearchParams,
    conversation_out,
    conversation_rows_out,
    member_summaries,
    message_out,
    message_row_out,
)
from .selectors import (
    blocked_among,
    conversation_title,
    inbox_rows_for,
    message_rows_page,
    message_search_for,
    read_only_reasons,
    seats_of,
)

router = Router(tags=["messaging"], auth=member_auth)

_CONVERSATION_ID = Path(..., description="The conversation's id.")
_MESSAGE_ID = Path(..., description="The message's id.")


def _id(value: int, message: str = "No such conversation.") -> int:
    """An id from the path: ids no database can hold name nothing (404, not 500)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(message)
    return value


def _conversation(request: HttpRequest, seat: Participant) -> dict[str, Any]:
    """The viewer's seat, reloaded fresh with everything the output shows."""
    viewer = viewer_of(request)
    fresh = (
        Participant.objects.select_related(
            "conversation", "last_message__sender__profile", "last_message__subject__profile"
        )
        .filter(pk=seat.pk)
        .get()
    )
    seats = seats_of(fresh.conversation_id)
    fresh.conversation.seats = seats  # type: ignore[attr-defined]
    reason = read_only_reasons(viewer=viewer, seats=[fresh])[fresh.conversation_id]
    blocked = blocked_among(viewer.pk, [s.user_id for s in seats])
    return conversation_out(
        request, viewer, fresh, seats, read_only_reason=reason, blocked_ids=blocked
    )


# --- conversations ----------------------------------------------------------------------------


@router.get(
    "",
    response={200: ConversationPageOut, **error_responses(401, 422)},
    summary="Your conversations",
    description=(
        "Newest activity first. `box=inbox` (default): your conversations; `requests`: "
        "first messages from members you are not connected to, waiting for you to accept "
        "or ignore them; `archived`: one-to-one conversations you archived (they return "
        "with the next message). Pass `next_cursor` as `before` for the next page."
    ),
)
def conversation_list(request: HttpRequest, params: Query[ConversationListParams]) -> Any:
    viewer = viewer_of(request)
    page = inbox_rows_for(viewer=viewer, box=params.box, before=params.before, size=params.limit)
    payload = {
        "items": conversation_rows_out(request, viewer.pk, page.items),
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }
    return trusted_json(payload, ConversationPageOut)


@router.post(
    "",
    response={
        201: MessageOut,
        **error_responses(400, 401, 403, 404, 409, 429),
        422: GuardErrorOut,
    },
    summary="Write to one member or start a group",
    description=(
        "`to`: one handle (a one-to-one conversation; the one you already have with them is "
        "reused) or up to 19 handles of your connections (a group of at most 20 people). "
        "Writing to someone you are not connected to sends a message request: they see it "
        "under `box=requests` until they accept it, and you cannot write again meanwhile. "
        "A member you cannot see (or who blocked you) is a 404; yourself, a member you "
        "blocked, or a group member you are not connected to is a 422 on `to`. The message "
        "passes the professionalism guard (422 with `guard`; resend with "
        "`acknowledge_warnings: true` after warnings). Returns the message; its "
        "`conversation_id` names the conversation. Rate limited (429 with Retry-After)."
    ),
)
def conversation_create(request: HttpRequest, payload: ConversationCreateIn) -> Any:
    viewer = viewer_of(request)
    recipients = []
    for handle in payload.to:
        try:
            recipients.append(access_profile_by_handle(viewer, handle).user)
        except NotFound as exc:
            raise NotFound(f"No member with the handle “{handle[:60]}”.") from exc
    message = services.conversation_start(
        actor=viewer,
        recipients=recipients,
        body=payload.body,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, message_out(request, viewer, message))


@router.get(
    "/search",
    response={200: SearchPageOut, **error_responses(401, 422)},
    summary="Search your messages",
    description=(
        "Messages containing `q` (any case) in conversations you take part in, newest "
        "first: never messages hidden from you, said after you left, or deleted."
    ),
)
def message_search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    viewer = viewer_of(request)
    page = message_search_for(viewer=viewer, q=params.q, before=params.before, size=params.limit)
    return {
        "items": [
            {
                "message": message_out(request, viewer, message),
                "conversation_title": conversation_title(
                    getattr(message.conversation, "seats", []),
                    viewer.pk,
                    direct=not message.conversation.is_group,
                ),
            }
            for message in page.items
        ],
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/{conversation_id}",
    response={200: ConversationOut, **error_responses(401, 404, 422)},
    summary="One conversation",
    description=(
        "Its participants (with how far each has read), your settings, whether you can "
        "send (and why not), and the newest message you can read. Not yours is a 404."
    ),
)
def conversation_detail(request: HttpRequest, conversation_id: int = _CONVERSATION_ID) -> Any:
    seat = access_conversation_by_id(viewer_of(request), _id(conversation_id))
    return _conversation(request, seat)


# --- messages ---------------------------------------------------------------------------------


@router.get(
    "/{conversation_id}/messages",
    response={200: MessagePageOut, **error_responses(401, 404, 422)},
    summary="Messages of a conversation",
    description=(
        "Oldest first within the page. Without cursors: the newest `limit` messages; "
        "`before=<id>`: earlier ones; `after=<id>`: newer ones (poll with the last id you "
        "have). Reading does not mark anything read: call `POST .../read`."
    ),
)
def message_list(
    request: HttpRequest,
    params: Query[MessageListParams],
    conversation_id: int = _CONVERSATION_ID,
) -> Any:
    viewer = viewer_of(request)
    if params.before is not None and params.after is not None:
        raise ValidationFailed("Use `before` or `after`, not both.", field="after")
    seat = access_conversation_for_read(viewer, _id(conversation_id))
    page = message_rows_page(seat=seat, before=params.before, after=params.after, size=params.limit)
    summary = member_summaries(request)
    payload = {
        "items": [message_row_out(viewer.pk, m, summary) for m in page.items],
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    }
    return trusted_json(payload, MessagePageOut)


@router.post(
    "/{conversation_id}/messages",
    response={
        201: MessageOut,
        **error_responses(400, 401, 403, 404, 409, 429),
        422: GuardErrorOut,
    },
    summary="Send a message",
    description=(
        "Markdown-light text of at most 5,000 characters, checked by the professionalism "
        "guard. A read-only conversation is a 403 naming the reason (you left; a request "
        "you have not accepted; your first message still waits for acceptance; a block "
        "between you; the other member has left Rounds — nothing is stored). In a group, "
        "members who left Rounds receive nothing. Rate limited (429 with Retry-After)."
    ),
)
def message_send(
    request: HttpRequest, payload: MessageIn, conversation_id: int = _CONVERSATION_ID
) -> Any:
    viewer = viewer_of(request)
    message = services.message_send(
        actor=viewer,
        conversation_id=_id(conversation_id),
        body=payload.body,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, message_out(request, viewer, message))


@router.delete(
    "/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, **error_responses(401, 403, 404)},
    summary="Delete one of your messages",
    description=(
        "Its text is erased; everyone sees that a message was deleted. Someone else's "
        "message is a 403; a message you cannot read is a 404. Deleting again changes nothing."
    ),
)
def message_delete(
    request: HttpRequest,
    conversation_id: int = _CONVERSATION_ID,
    message_id: int = _MESSAGE_ID,
) -> Any:
    viewer = viewer_of(request)
    message = services.message_delete(
        actor=viewer,
        conversation_id=_id(conversation_id),
        message_id=_id(message_id, "No such message."),
    )
    return message_out(request, viewer, message)


# --- your settings ----------------------------------------------------------------------------


def _seat_action(request: HttpRequest, conversation_id: int, action: Any) -> dict[str, Any]:
    viewer = viewer_of(request)
    seat = action(actor=viewer, conversation_id=_id(conversation_id))
    return _conversation(request, seat)


@router.post(
    "/{conversation_id}/read",
    response={200: ConversationOut, **error_responses(401, 403, 404)},
    summary="Mark a conversation read",
    description=(
        "Up to the newest message you can read (the others see it as “Seen”). A message "
        "request stays unread until you accept it, so its sender learns nothing."
    ),
)
def conversation_read(request: HttpRequest, conversation_id: int = _CONVERSATION_ID) -> Any:
    return _seat_action(request, conversation_id, services.conversation_mark_read)


@router.post(
    "/{conversation_id}/mute",
    response={200: ConversationOut, **error_responses(401, 403, 404)},
    summary="Mute a conversation",
    description="No notifications, and it no longer counts in your unread badge.",
)
def conversation_mute(request: HttpRequest, conversation_id: int = _CONVERSATION_ID) -> Any:
    def mute(*, actor: Any, conversation_id: int) -> Participant:
        return services.conversation_set_muted(
            actor=actor, conversation_id=conversation_id, muted=True
        )

    return _seat_action(request, conversation_id, mute)


@router.post(
    "/{conversation_id}/unmute",
    response={200: ConversationOut, **error_responses(401, 403, 404)},
    summary="Unmute a conversation",
)
def conversation_unmute(request: HttpRequest, conversation_id: int = _CONVERSATION_ID) -> Any:
    def unmute(*, actor: Any, conversation_id: int) -> Participant:
        return services.conversation_set_muted(
            actor=actor, conversation_id=conversation_id, muted=False
        )

    return _seat_action(request, conversation_id, unmute)


@router.post(
    "/{conversation_id}/leave",
    response={200: ConversationOut, **error_responses(401, 403, 404, 409)},
    summary="Leave a group, or archive a one-to-one conversation",
    description=(
        "After leaving a group you read nothing said there afterwards. A one-to-one "
        "conversation is archived instead and returns with the next message. Already "
        "left (or archived) is a 409."
    ),
)
def conversation_leave(request: HttpRequest, conversation_id: int = _CONVERSATION_ID) -> Any:
    return _seat_action(request, conversation_id, services.conversation_leave)


@router.post(
    "/{conversation_id}/participants",
    response={200: ConversationOut, **error_responses(401, 403, 404, 409, 422, 429)},
    summary="Add people to a group conversation",
    description=(
        "`to`: handles of your connections, under the rules of starting a group: a member "
        "you cannot see (or who blocked you) is a 404; yourself, a member you blocked, "
        "someone you are not connected to, someone already in the conversation (or who left "
        "it: leaving is for good), or more than 20 people in all is a 422 on `to` and nobody "
        "is added. A one-to-one conversation never becomes a group: 409. Having left the "
        "group: 403. The added members read what is said from now on, not earlier messages; "
        "everyone sees a system line (`kind: added`) and the added members are notified. "
        "Returns the conversation. Counts against the message rate limit (429)."
    ),
)
def participants_add(
    request: HttpRequest, payload: ParticipantsAddIn, conversation_id: int = _CONVERSATION_ID
) -> Any:
    viewer = viewer_of(request)
    seat = access_conversation_by_id(viewer, _id(conversation_id))
    people = []
    for handle in payload.to:
        try:
            people.append(access_profile_by_handle(viewer, handle).user)
        except NotFound as exc:
            raise NotFound(f"No member with the handle “{handle[:60]}”.") from exc
    seat = services.conversation_add_people(
        actor=viewer, conversation_id=seat.conversation_id, people=people
    )
    return _conversation(request, seat)


@router.post(
    "/{conversation_id}/accept",
    response={200: ConversationOut, **error_responses(401, 403, 404, 409)},
    summary="Accept a message request",
    description="It moves to your inbox and you can reply. Not a request is a 409.",
)
def request_accept(request: HttpRequest, conversation_id: int = _CONVERSATION_ID) -> Any:
    return _seat_action(request, conversation_id, services.conversation_request_accept)


@router.post(
    "/{conversation_id}/ignore",
    response={200: ConversationOut, **error_responses(401, 403, 404, 409)},
    summary="Ignore a message request",
    description=(
        "It leaves your requests; the sender is not told and cannot write again unless you "
        "connect. You can still accept it later. Not a pending request is a 409."
    ),
)
def request_ignore(request: HttpRequest, conversation_id: int = _CONVERSATION_ID) -> Any:
    return _seat_action(request, conversation_id, services.conversation_request_ignore)
