"""Writes for messages: start a conversation, send, add people to a group, read markers,
mute, leave, answer a message request, delete one's own message.

Each service validates, checks the text with the professionalism guard, writes in one
transaction and, inside it, records the interaction (at most once per pair, conversation and
day) and notifies the recipients (``rounds.notifications.services.notify`` queues any email
after commit). Rules:

- Groups (≤ 20 people) are made of the creator's connections. A one-to-one message to someone
  the sender is not connected to arrives as a *request*: the recipient sees it under
  "Requests" until they accept (or ignore) it, and the sender cannot write again meanwhile.
- A block (either way) stops everything: no new conversation, a one-to-one conversation
  becomes read-only, and in a group the two never see each other's new messages.
- A member who left a group reads nothing said after they left.
- People added to a group later (by any of its members, under the same rules as starting one:
  connections of whoever adds them, no block either way, at most 20 people) read from the
  moment they were added: a system line ("Ana Ruiz added Chen Li") tells everyone, and the
  added member is notified. A one-to-one conversation never becomes a group.
- Members who left Rounds (``policies.has_left_rounds``) receive nothing; a one-to-one
  conversation with one is read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.policies import ensure_not_leaving
from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.publishing import guard_text, publishing_path
from rounds.core.ratelimit import rate_limit
from rounds.network.models import Block, Interaction
from rounds.network.services import interaction_record
from rounds.notifications.models import Kind, Notification
from rounds.notifications.services import notify

from .access import access_conversation_by_id, access_message_by_id
from .models import (
    MAX_BODY,
    MAX_PARTICIPANTS,
    Conversation,
    Message,
    MessageHide,
    Participant,
    body_html_of,
)
from .policies import LEFT_REASON, can_add_people, has_left_rounds, read_only_reason
from .selectors import blocked_among, connected_among, display_name_of, others_of, seats_of

Status = Participant.Status

#: Every message passes the professionalism guard before it is stored.
MESSAGE_PATH = publishing_path(
    "messaging.message", kind="message", field="body", model_field="messaging.Message.body"
)

#: Unanswered message requests a member may have open at once (a brake on unsolicited mail).
MAX_OPEN_REQUESTS = 50
MESSAGE_KINDS = (Kind.MESSAGE, Kind.MESSAGE_REQUEST)


# --- helpers ----------------------------------------------------------------------------------


def conversation_url(conversation_id: int) -> str:
    return reverse("messaging:conversation", args=[conversation_id])


def _clean_body(body: Any) -> str:
    """The message as it will be stored, or ValidationFailed (field ``body``)."""
    if not isinstance(body, str):
        raise ValidationFailed("The message must be text.", field="body")
    body = body.strip()
    if not body:
        raise ValidationFailed("Write a message first.", field="body")
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            f"Keep a message to {MAX_BODY:,} characters (this one has {len(body):,}).",
            field="body",
        )
    if "\x00" in body:
        raise ValidationFailed(
            "The message contains a character that is not allowed.", field="body"
        )
    try:
        body.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed(
            "The message contains text that is not valid Unicode.", field="body"
        ) from exc
    return body


def _direct_key(a_id: int, b_id: int) -> str:
    low, high = sorted((a_id, b_id))
    return f"{low}:{high}"


def _guard(actor: Any, body: str, others: Sequence[Participant], acknowledge: bool) -> None:
    """The guard's verdict on ``body``; the recipients' names are colleagues', not patients'."""
    guard_text(
        actor=actor,
        path=MESSAGE_PATH,
        text=body,
        acknowledge_warnings=acknowledge,
        colleague_names=[display_name_of(o.user) for o in others],
    )


def _start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


# --- sending ----------------------------------------------------------------------------------


def _post(
    *,
    actor: Any,
    seat: Participant,
    others: Sequence[Participant],
    blocked_ids: set[int],
    body: str,
) -> Message:
    """Store ``body`` in ``seat``'s conversation and move everyone's markers (inside the
    caller's transaction, after every check)."""
    conversation = seat.conversation
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation, sender=actor, body=body, body_html=body_html_of(body)
    )
    hidden_from = [o.user_id for o in others if o.user_id in blocked_ids and not o.has_left]
    changes: dict[str, Any] = {"last_message": message, "last_message_at": now, "updated_at": now}
    if hidden_from:
        MessageHide.objects.bulk_create(
            [MessageHide(message=message, user_id=u) for u in hidden_from]
        )
        changes["has_hidden_messages"] = True
        conversation.has_hidden_messages = True
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    conversation.last_message, conversation.last_message_at = message, now
    receivers = [
        o
        for o in others
        if o.status in (Status.ACTIVE, Status.REQUEST)
        and o.user_id not in blocked_ids
        and not has_left_rounds(o.user)
    ]
    if receivers:
        Participant.objects.filter(pk__in=[r.pk for r in receivers]).update(
            last_message=message, last_message_at=now, archived=False
        )
    Participant.objects.filter(pk=seat.pk).update(
        last_message=message,
        last_message_at=now,
        last_read_message=message,
        last_read_at=now,
        archived=False,
    )
    seat.last_message, seat.last_read_message = message, message
    seat.last_message_at = seat.last_read_at = now
    seat.archived = False
    # Writing here means having seen it: the sender's own message notifications of this
    # conversation are read too, so a read seat never has unread ones (conversation_mark_read
    # relies on that to write nothing when a read conversation is opened again).
    _notifications_read(user_id=actor.pk, conversation_id=conversation.pk, now=now)
    _record_interactions(actor=actor, conversation=conversation, receivers=receivers)
    _notify(actor=actor, conversation=conversation, receivers=receivers)
    return message


def _record_interactions(
    *, actor: Any, conversation: Conversation, receivers: Sequence[Participant]
) -> None:
    """One ``message`` interaction per pair, conversation and day (either direction counts):
    the keep-in-touch clock moves without one row per message. In groups only between
    connections (at most 19 pairs)."""
    targets = [r.user_id for r in receivers if r.status == Status.ACTIVE]
    if conversation.is_group:
        connected = connected_among(actor.pk, targets)
        targets = [t for t in targets if t in connected]
    if not targets:
        return
    source = f"message:{conversation.pk}"
    done: set[int] = set()
    for a_id, b_id in Interaction.objects.filter(
        Q(actor_id=actor.pk, other_id__in=targets) | Q(actor_id__in=targets, other_id=actor.pk),
        kind=Interaction.Kind.MESSAGE,
        source=source,
        occurred_at__gte=_start_of_today(),
    ).values_list("actor_id", "other_id"):
        done.add(b_id if a_id == actor.pk else a_id)
    for target in targets:
        if target not in done:
            interaction_record(
                actor=actor, other_id=target, kind=Interaction.Kind.MESSAGE, source=source
            )


def _notify(*, actor: Any, conversation: Conversation, receivers: Sequence[Participant]) -> None:
    """Tell each recipient who has not muted the conversation, unless a notification about it
    is still unread (one nudge per conversation until they look)."""
    targets = [r for r in receivers if not r.muted]
    if not targets:
        return
    url = conversation_url(conversation.pk)
    waiting = set(
        Notification.objects.filter(
            recipient_id__in=[r.user_id for r in targets],
            kind__in=MESSAGE_KINDS,
            url=url,
            read_at__isnull=True,
        ).values_list("recipient_id", flat=True)
    )
    name = display_name_of(actor)
    for receiver in targets:
        if receiver.user_id in waiting:
            continue
        if receiver.status == Status.REQUEST:
            kind, text = Kind.MESSAGE_REQUEST, f"{name} sent you a message request"
        elif conversation.is_group:
            kind, text = Kind.MESSAGE, f"{name} sent a message to your group conversation"
        else:
            kind, text = Kind.MESSAGE, f"{name} sent you a message"
        notify(recipient_id=receiver.user_id, kind=kind, actor_id=actor.pk, text=text, url=url)


def _check_recipients(actor: Any, recipients: Sequence[Any]) -> list[Any]:
    """Distinct, active recipients other than the actor, none blocked either way."""
    unique: dict[int, Any] = {}
    for recipient in recipients:
        unique.setdefault(recipient.pk, recipient)
    chosen = list(unique.values())
    if not chosen:
        raise ValidationFailed("Choose who to write to.", field="to")
    if actor.pk in unique:
        raise ValidationFailed("You cannot send a message to yourself.", field="to")
    if len(chosen) > MAX_PARTICIPANTS - 1:
        raise ValidationFailed(
            f"A conversation has at most {MAX_PARTICIPANTS} people, you included "
            f"({len(chosen) + 1} chosen).",
            field="to",
        )
    if any(has_left_rounds(r) for r in chosen):
        raise NotFound("No member with that handle.")
    ids = list(unique)
    if Block.objects.filter(blocker_id__in=ids, blocked_id=actor.pk).exists():
        raise NotFound("No member with that handle.")  # they blocked you: they do not exist
    mine = set(
        Block.objects.filter(blocker_id=actor.pk, blocked_id__in=ids).values_list(
            "blocked_id", flat=True
        )
    )
    if mine:
        names = ", ".join(display_name_of(unique[i]) for i in ids if i in mine)
        raise ValidationFailed(f"You have blocked {names}; unblock them first.", field="to")
    return chosen


@transaction.atomic
def conversation_start(
    *, actor: Any, recipients: Sequence[Any], body: Any, acknowledge_warnings: bool = False
) -> Message:
    """Write to one member (a one-to-one conversation) or to several connections (a group of
    at most 20 people, the actor included). Returns the message (``message.conversation`` is
    the conversation).

    One-to-one: the pair's existing conversation is reused (un-archived; replying to a request
    accepts it); otherwise a new one, which is a *request* for a recipient the actor is not
    connected to. Raises ValidationFailed (field ``to``: nobody, yourself, too many, someone
    you blocked, a group member you are not connected to, too many open requests; field
    ``body``), NotFound (a recipient is gone or blocked you), Forbidden (the existing
    conversation is read-only), ContentBlocked / ContentNeedsConfirmation (the guard),
    RateLimited (429: the "message" limit per hour, counted first).
    """
    rate_limit(actor_id=actor.pk, action="message")
    body = _clean_body(body)
    chosen = _check_recipients(actor, recipients)
    if len(chosen) == 1:
        return _start_direct(
            actor=actor, other=chosen[0], body=body, acknowledge_warnings=acknowledge_warnings
        )
    ids = [r.pk for r in chosen]
    connected = connected_among(actor.pk, ids)
    strangers = [r for r in chosen if r.pk not in connected]
    if strangers:
        names = ", ".join(display_name_of(r) for r in strangers)
        raise ValidationFailed(
            f"Group conversations are between your connections; you are not connected to "
            f"{names}. Write to them one-to-one instead.",
            field="to",
        )
    conversation = Conversation.objects.create(kind=Conversation.Kind.GROUP, creator=actor)
    seats = Participant.objects.bulk_create(
        [
            Participant(conversation=conversation, user=user, status=Status.ACTIVE)
            for user in [actor, *chosen]
        ]
    )
    for seat, user in zip(seats, [actor, *chosen], strict=True):
        seat.user = user
        seat.conversation = conversation
    _guard(actor, body, seats[1:], acknowledge_warnings)
    return _post(actor=actor, seat=seats[0], others=seats[1:], blocked_ids=set(), body=body)


def _start_direct(*, actor: Any, other: Any, body: str, acknowledge_warnings: bool) -> Message:
    existing = Conversation.objects.filter(direct_key=_direct_key(actor.pk, other.pk)).first()
    if existing is not None:
        seat = access_conversation_by_id(actor, existing.pk, for_update=True)
        if seat.status in (Status.REQUEST, Status.IGNORED):
            seat.status = Status.ACTIVE  # writing back accepts their request
            seat.save(update_fields=["status"])
        return _message_send(
            actor=actor,
            conversation_id=existing.pk,
            body=body,
            acknowledge_warnings=acknowledge_warnings,
        )
    connected = bool(connected_among(actor.pk, [other.pk]))
    if not connected:
        open_requests = Participant.objects.filter(
            conversation__creator=actor,
            conversation__kind=Conversation.Kind.DIRECT,
            status__in=(Status.REQUEST, Status.IGNORED),
        ).count()
        if open_requests >= MAX_OPEN_REQUESTS:
            raise ValidationFailed(
                f"{MAX_OPEN_REQUESTS} of your message requests are still unanswered; connect "
                "with people before writing to more strangers.",
                field="to",
            )
    placeholder = Participant(user=other)
    _guard(actor, body, [placeholder], acknowledge_warnings)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT,
                creator=actor,
                direct_key=_direct_key(actor.pk, other.pk),
            )
    except IntegrityError as exc:  # the other member wrote first, at the same moment
        raise Conflict("A conversation between you was just started; open it.", field="to") from exc
    mine, theirs = Participant.objects.bulk_create(
        [
            Participant(conversation=conversation, user=actor, status=Status.ACTIVE),
            Participant(
                conversation=conversation,
                user=other,
                status=Status.ACTIVE if connected else Status.REQUEST,
            ),
        ]
    )
    mine.user, theirs.user = actor, other
    mine.conversation = theirs.conversation = conversation
    return _post(actor=actor, seat=mine, others=[theirs], blocked_ids=set(), body=body)


@transaction.atomic
def message_send(
    *, actor: Any, conversation_id: int, body: Any, acknowledge_warnings: bool = False
) -> Message:
    """Send ``body`` to a conversation ``actor`` takes part in.

    Raises NotFound (not a participant), ValidationFailed (``body``), Forbidden (read-only:
    see ``policies.read_only_reason``), ContentBlocked / ContentNeedsConfirmation (the guard).
    In a one-to-one conversation whose first message still waits for acceptance, writing is
    allowed again once the two are connected (the request becomes a normal conversation).
    Rate limited ("message", RateLimited 429): counted first, before anything is written.
    """
    rate_limit(actor_id=actor.pk, action="message")
    return _message_send(
        actor=actor,
        conversation_id=conversation_id,
        body=body,
        acknowledge_warnings=acknowledge_warnings,
    )


def _message_send(
    *, actor: Any, conversation_id: int, body: Any, acknowledge_warnings: bool
) -> Message:
    """``message_send`` without counting against the rate limit (the caller counted)."""
    body = _clean_body(body)
    seat = access_conversation_by_id(actor, conversation_id, for_update=True)
    conversation = seat.conversation
    seats = seats_of(conversation.pk)
    others = others_of(seats, actor.pk)
    blocked_ids = blocked_among(actor.pk, [o.user_id for o in others])
    pending = [o for o in others if o.status in (Status.REQUEST, Status.IGNORED)]
    connected_ids = connected_among(actor.pk, [o.user_id for o in pending])
    reason = read_only_reason(
        seat=seat,
        conversation=conversation,
        others=others,
        blocked_ids=blocked_ids,
        connected_ids=connected_ids,
        other_name=display_name_of(others[0].user) if others else "them",
    )
    if reason:
        raise Forbidden(reason)
    for other in pending:
        if other.user_id in connected_ids and not conversation.is_group:
            other.status = Status.ACTIVE  # connected since: no longer a request
            other.save(update_fields=["status"])
    _guard(actor, body, others, acknowledge_warnings)
    return _post(actor=actor, seat=seat, others=others, blocked_ids=blocked_ids, body=body)


# --- adding people to a group ------------------------------------------------------------------

DIRECT_CANNOT_GROW = (
    "A one-to-one conversation stays between the two of you. To include more people, start a "
    "group conversation."
)


@transaction.atomic
def conversation_add_people(
    *, actor: Any, conversation_id: int, people: Sequence[Any]
) -> Participant:
    """Add ``people`` (users) to a group conversation ``actor`` takes part in; returns the
    actor's seat.

    The rules of starting a group: each must be the actor's connection, active, with no block
    either way between them and the actor, and the group stays at most ``MAX_PARTICIPANTS``
    people (members who left do not count). Someone already in it (or who left it: leaving is
    for good) is refused. The added members read from now on (``history_start_id``: nothing
    said before they joined), and one system line per added member ("Ana Ruiz added Chen Li")
    reaches everyone the actor's messages reach; the added members are notified.

    Raises NotFound (not a participant; a person is gone or blocked the actor), Conflict (a
    one-to-one conversation), Forbidden (the actor left), ValidationFailed (field ``to``:
    nobody, yourself, someone you blocked, not a connection, already in, too many),
    RateLimited (429: the "message" limit, counted first).
    """
    ensure_not_leaving(actor)
    rate_limit(actor_id=actor.pk, action="message")
    seat = access_conversation_by_id(actor, conversation_id, for_update=True)
    # One add at a time per conversation (the size limit holds under concurrency); sends wait
    # for it too, so no message falls between the added members' start and their first line.
    conversation = Conversation.objects.select_for_update().get(pk=seat.conversation_id)
    seat.conversation = conversation
    if not conversation.is_group:
        raise Conflict(DIRECT_CANNOT_GROW, field="to")
    if not can_add_people(seat, conversation):
        raise Forbidden(LEFT_REASON)
    chosen = _check_recipients(actor, people)
    seats = seats_of(conversation.pk)
    in_it = {s.user_id: s for s in seats}
    already = [p for p in chosen if p.pk in in_it]
    if already:
        gone = [p for p in already if in_it[p.pk].status == Status.LEFT]
        if gone:
            names = ", ".join(display_name_of(p) for p in gone)
            raise ValidationFailed(
                f"{names} left this conversation; people who leave cannot be added back.",
                field="to",
            )
        names = ", ".join(display_name_of(p) for p in already)
        verb = "is" if len(already) == 1 else "are"
        raise ValidationFailed(f"{names} {verb} already in this conversation.", field="to")
    connected = connected_among(actor.pk, [p.pk for p in chosen])
    strangers = [p for p in chosen if p.pk not in connected]
    if strangers:
        names = ", ".join(display_name_of(p) for p in strangers)
        raise ValidationFailed(
            f"Group conversations are between your connections; you are not connected to {names}.",
            field="to",
        )
    present = sum(1 for s in seats if s.status != Status.LEFT)
    if present + len(chosen) > MAX_PARTICIPANTS:
        room = max(0, MAX_PARTICIPANTS - present)
        raise ValidationFailed(
            f"A conversation has at most {MAX_PARTICIPANTS} people and this one has {present}: "
            + (f"you can add {room} more." if room else "nobody more can join."),
            field="to",
        )
    start = conversation.last_message_id or 0
    added = Participant.objects.bulk_create(
        [
            Participant(
                conversation=conversation, user=person, status=Status.ACTIVE, history_start_id=start
            )
            for person in chosen
        ]
    )
    for new_seat, person in zip(added, chosen, strict=True):
        new_seat.user, new_seat.conversation = person, conversation
    lines = [
        Message.objects.create(
            conversation=conversation, sender=actor, kind=Message.Kind.ADDED, subject=person
        )
        for person in chosen
    ]
    others = others_of(seats, actor.pk)
    blocked_ids = blocked_among(actor.pk, [o.user_id for o in others])
    _mark_system_lines(
        actor=actor, seat=seat, others=[*others, *added], blocked_ids=blocked_ids, lines=lines
    )
    url = conversation_url(conversation.pk)
    name = display_name_of(actor)
    for person in chosen:
        notify(
            recipient_id=person.pk,
            kind=Kind.MESSAGE,
            actor_id=actor.pk,
            text=f"{name} added you to a group conversation",
            url=url,
        )
    return seat


def _mark_system_lines(
    *,
    actor: Any,
    seat: Participant,
    others: Sequence[Participant],
    blocked_ids: set[int],
    lines: Sequence[Message],
) -> None:
    """Move everyone's markers to the newest of ``lines`` (system lines the actor wrote), as
    ``_post`` does for a message: hidden from members with a block between them and the actor,
    not delivered to members who left (the group or Rounds); read for the actor."""
    conversation = seat.conversation
    newest = lines[-1]
    now = timezone.now()
    hidden_from = [o.user_id for o in others if o.user_id in blocked_ids and not o.has_left]
    changes: dict[str, Any] = {"last_message": newest, "last_message_at": now, "updated_at": now}
    if hidden_from:
        MessageHide.objects.bulk_create(
            [MessageHide(message=line, user_id=u) for line in lines for u in hidden_from]
        )
        changes["has_hidden_messages"] = True
        conversation.has_hidden_messages = True
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    conversation.last_message, conversation.last_message_at = newest, now
    receivers = [
        o.pk
        for o in others
        if o.status in (Status.ACTIVE, Status.REQUEST)
        and o.user_id not in blocked_ids
        and not has_left_rounds(o.user)
    ]
    if receivers:
        Participant.objects.filter(pk__in=receivers).update(
            last_message=newest, last_message_at=now, archived=False
        )
    Participant.objects.filter(pk=seat.pk).update(
        last_message=newest, last_message_at=now, last_read_message=newest, last_read_at=now
    )
    seat.last_message = seat.last_read_message = newest
    seat.last_message_at = seat.last_read_at = now


# --- reading, muting, leaving -----------------------------------------------------------------


def _notifications_read(*, user_id: int, conversation_id: int, now: datetime) -> None:
    """The member has seen the conversation: its message notifications are read too (so the
    next message may notify again)."""
    Notification.objects.filter(
        recipient_id=user_id,
        kind__in=MESSAGE_KINDS,
        url=conversation_url(conversation_id),
        read_at__isnull=True,
    ).update(read_at=now)


def _nothing_to_mark(seat: Participant) -> bool:
    """Whether marking ``seat`` read would change nothing: a message request (reading one
    records nothing), or already read. Every path that moves the read marker (marking read,
    sending, leaving) marks the conversation's message notifications read in the same
    transaction, and a new message notification comes only with a newer message, so a read
    seat has no unread message notifications either."""
    if seat.status in (Status.REQUEST, Status.IGNORED):
        return True
    target = seat.last_message_id
    return target is None or (
        seat.last_read_message_id is not None and seat.last_read_message_id >= target
    )


def conversation_mark_read(
    *, actor: Any, conversation_id: int, seat: Participant | None = None
) -> Participant:
    """Move ``actor``'s read marker to the newest message they may read (never backwards) and
    mark that conversation's notifications read. Reading a message request records nothing
    (the sender learns nothing until it is accepted). ``seat``: the actor's seat if already
    loaded through ``access_conversation_by_id``. Opening a read conversation again writes
    nothing (no transaction either)."""
    if seat is None or seat.user_id != actor.pk or seat.conversation_id != conversation_id:
        seat = access_conversation_by_id(actor, conversation_id)
    if _nothing_to_mark(seat):
        return seat
    return _mark_read(actor=actor, seat=seat)


@transaction.atomic
def _mark_read(*, actor: Any, seat: Participant) -> Participant:
    target = seat.last_message_id
    now = timezone.now()
    moved = (
        Participant.objects.filter(pk=seat.pk)
        .filter(Q(last_read_message__isnull=True) | Q(last_read_message_id__lt=target))
        .update(last_read_message_id=target, last_read_at=now)
    )
    if moved:
        seat.last_read_message_id, seat.last_read_at = target, now
    _notifications_read(user_id=actor.pk, conversation_id=seat.conversation_id, now=now)
    return seat


@transaction.atomic
def conversation_set_muted(*, actor: Any, conversation_id: int, muted: bool) -> Participant:
    """Mute (no notifications, not counted in the badge) or unmute a conversation."""
    seat = access_conversation_by_id(actor, conversation_id, for_update=True)
    if seat.muted != bool(muted):
        seat.muted = bool(muted)
        seat.save(update_fields=["muted"])
    return seat


@transaction.atomic
def conversation_leave(*, actor: Any, conversation_id: int) -> Participant:
    """Leave a group: the member reads nothing said afterwards and it leaves their inbox.
    A one-to-one conversation is archived instead (hidden until the next message).

    Raises Conflict when already left (or already archived).
    """
    seat = access_conversation_by_id(actor, conversation_id, for_update=True)
    conversation = seat.conversation
    now = timezone.now()
    if conversation.kind == Conversation.Kind.DIRECT:
        if seat.archived:
            raise Conflict("This conversation is already archived.")
        seat.archived = True
        seat.save(update_fields=["archived"])
        return conversation_mark_read(actor=actor, conversation_id=conversation.pk, seat=seat)
    if seat.status == Status.LEFT:
        raise Conflict("You already left this conversation.")
    seat.status = Status.LEFT
    seat.left_at = now
    seat.history_end_id = seat.last_message_id or 0
    seat.last_read_message_id = seat.last_message_id
    seat.last_read_at = now
    seat.save(
        update_fields=["status", "left_at", "history_end_id", "last_read_message", "last_read_at"]
    )
    _notifications_read(user_id=actor.pk, conversation_id=conversation.pk, now=now)
    return seat


# --- message requests -------------------------------------------------------------------------


@transaction.atomic
def conversation_request_accept(*, actor: Any, conversation_id: int) -> Participant:
    """Accept a message request (also one ignored earlier): the conversation moves to the
    inbox and both can write. Raises Conflict if it is not a request."""
    ensure_not_leaving(actor)
    seat = access_conversation_by_id(actor, conversation_id, for_update=True)
    if seat.status not in (Status.REQUEST, Status.IGNORED):
        raise Conflict("This is not a message request waiting for your answer.")
    seat.status = Status.ACTIVE
    seat.save(update_fields=["status"])
    return conversation_mark_read(actor=actor, conversation_id=conversation_id, seat=seat)


@transaction.atomic
def conversation_request_ignore(*, actor: Any, conversation_id: int) -> Participant:
    """Ignore a message request: it leaves "Requests"; the sender is not told and cannot
    write again (unless you connect). Raises Conflict if it is not a pending request."""
    seat = access_conversation_by_id(actor, conversation_id, for_update=True)
    if seat.status != Status.REQUEST:
        raise Conflict("This is not a message request waiting for your answer.")
    seat.status = Status.IGNORED
    seat.save(update_fields=["status"])
    _notifications_read(user_id=actor.pk, conversation_id=conversation_id, now=timezone.now())
    return seat


# --- deleting ---------------------------------------------------------------------------------


@transaction.atomic
def message_delete(*, actor: Any, conversation_id: int, message_id: int) -> Message:
    """Delete one of ``actor``'s own messages: its text is erased and everyone sees "This
    message was deleted". Deleting again changes nothing. Raises NotFound (not a message the
    actor can read), Forbidden (someone else's message)."""
    seat = access_conversation_by_id(actor, conversation_id)
    message = access_message_by_id(seat, message_id)
    if message.is_system:
        raise Forbidden("A line about who joined the conversation cannot be deleted.")
    if message.sender_id != actor.pk:
        raise Forbidden("You can delete only your own messages.")
    if message.deleted_at is None:
        message.body = message.body_html = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "body_html", "deleted_at"])
    return message
