"""Writes for preparing an event and following up: a registrant's private goal and goal tags,
"people I met" marks with private notes, the follow-up reminder's state, and the one-click
connection request to someone met (through the network's ``connection_request_send``).

Callers resolve the event through ``access.access_event`` (so it is visible to the actor) and
other members through ``selectors_prepare.access_met_candidate`` (so they are attendees the
actor may see); the services check both again, inside their transaction.

Texts pass the professionalism guard: ``events.goal`` and ``events.met_note`` are private to
their author, but patient identifiers are never stored, wherever they are written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.publishing import guard_text, publishing_path

from . import policies
from .models import (
    MAX_GOAL,
    MAX_MET_NOTE,
    Event,
    FollowUp,
    MetAttendee,
    Registration,
    RegistrationState,
    RosterVisibility,
    State,
)

GOAL_PATH = publishing_path(
    "events.goal", kind="other", field="goal", model_field="events.Registration.goal"
)
MET_NOTE_PATH = publishing_path(
    "events.met_note", kind="other", field="note", model_field="events.MetAttendee.note"
)

#: At most this many goal tags per registration.
MAX_GOAL_TAGS = 5

#: Registration states that may prepare (write a goal) and see whom to meet.
PREPARING_STATES = (
    RegistrationState.GOING,
    RegistrationState.INTERESTED,
    RegistrationState.WAITLISTED,
    RegistrationState.ATTENDED,
)
#: Registration states of members who were there: they record whom they met and follow up.
ATTENDING_STATES = (RegistrationState.GOING, RegistrationState.ATTENDED)

NOT_REGISTERED = "Register for this event first: preparing is for its registrants."
NOT_ATTENDING = "Only members who were going to this event can record whom they met."
CANCELLED = "This event was cancelled."
NOT_STARTED = "You can record whom you met once the event has started."


# --- small validators ---------------------------------------------------------------------------


def _text(field: str, value: Any, *, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed("Must be text.", field=field)
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed("Contains a character that is not allowed.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters (this has {len(value)}).", field=field)
    return value


def _goal_tags(value: Any) -> list[Any]:
    """Goal slugs → Goal rows (unknown slugs are a 422 naming ``goal_tags``)."""
    from rounds.profiles.models import Goal

    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed("Goal tags are a list of goal codes.", field="goal_tags")
    slugs = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(slugs) > MAX_GOAL_TAGS:
        raise ValidationFailed(f"Pick at most {MAX_GOAL_TAGS} goal tags.", field="goal_tags")
    if any(len(slug) > 80 or "\x00" in slug for slug in slugs):
        raise ValidationFailed("Unknown goal tag.", field="goal_tags")
    found = list(Goal.objects.filter(slug__in=slugs))
    if len(found) != len(slugs):
        raise ValidationFailed("Unknown goal tag.", field="goal_tags")
    return found


def _require_member(actor: Any) -> None:
    if actor is None or not actor.is_authenticated:
        raise Forbidden("Sign in first.")


def _locked_registration(actor: Any, event: Event, states: tuple[str, ...], message: str) -> Any:
    """The actor's registration for ``event``, locked, in one of ``states``; else Forbidden."""
    registration = (
        Registration.objects.select_for_update().filter(event_id=event.pk, user_id=actor.pk).first()
    )
    if registration is None or registration.state not in states:
        raise Forbidden(message)
    return registration


def _require_not_cancelled(event: Event) -> None:
    if event.state == State.CANCELLED:
        raise Conflict(CANCELLED)
    if event.state != State.PUBLISHED:
        raise Conflict("This event is not published.")


def _require_started(event: Event, now: datetime) -> None:
    if event.starts_at > now:
        raise Conflict(NOT_STARTED)


def _remember(event: Event, actor: Any, registration: Registration) -> None:
    """Keep the event's remembered viewer state (``policies``) in step with a write."""
    state = getattr(event, "_viewer_state", None)
    if state is not None and state["user_id"] == actor.pk:
        state["registration"] = registration


# --- goal -----------------------------------------------------------------------------------------


@transaction.atomic
def goal_set(
    *,
    actor: Any,
    event: Event,
    goal: Any = None,
    goal_tags: Any = None,
    acknowledge_warnings: bool = False,
) -> Registration:
    """Set the actor's private goal for ``event`` (text, ≤ 1,000 characters) and goal tags
    (profile goal slugs, at most five). ``None`` leaves a part as it is; "" / [] clear it.

    Only registrants (going, interested, waitlisted, attended): Forbidden otherwise; a cancelled
    event is a Conflict. The text passes the guard (``events.goal``). Touches the
    registration's ``updated_at`` (who-to-meet is recomputed for the new goal).
    """
    _require_member(actor)
    text = None if goal is None else _text("goal", goal, limit=MAX_GOAL)
    tags = None if goal_tags is None else _goal_tags(goal_tags)
    registration = _locked_registration(actor, event, PREPARING_STATES, NOT_REGISTERED)
    _require_not_cancelled(event)
    if text is not None and text != registration.goal:
        guard_text(
            actor=actor, path=GOAL_PATH, text=text, acknowledge_warnings=acknowledge_warnings
        )
        registration.goal = text
    if tags is not None:
        registration.goal_tags.set(tags)
    registration.save(update_fields=["goal", "updated_at"])
    _remember(event, actor, registration)
    return registration


# --- people I met --------------------------------------------------------------------------------


def is_met_candidate(actor: Any, event: Event, other: Any) -> bool:
    """Whether ``actor`` may mark ``other`` as met at ``event``: another active member, no
    block either way, who was going (or attended) and lets registrants see them — or who
    organizes the event. One or two queries."""
    from rounds.community.selectors import blocked_ids_for
    from rounds.events.models import EventOrganizer

    if other is None or other.pk == actor.pk:
        return False
    if not other.is_active or getattr(other, "deletion_scheduled", False):
        return False
    if other.pk in blocked_ids_for(actor):
        return False
    if other.pk == event.organizer_id:
        return True
    visible = Registration.objects.filter(
        event_id=event.pk,
        user_id=other.pk,
        state__in=ATTENDING_STATES,
        roster_visibility=RosterVisibility.REGISTRANTS,
    )
    return (
        visible.exists()
        or EventOrganizer.objects.filter(event_id=event.pk, user_id=other.pk).exists()
    )


def _met_moment(event: Event, now: datetime) -> datetime:
    """When the meeting is logged: now during the event, its end afterwards."""
    return min(now, event.ends_at)


@transaction.atomic
def met_mark(
    *,
    actor: Any,
    event: Event,
    other: Any,
    note: Any = None,
    acknowledge_warnings: bool = False,
) -> tuple[MetAttendee, bool]:
    """Mark that ``actor`` met ``other`` at ``event`` (or, when already marked, change the
    private note). Returns (mark, created).

    Only members who were going or attended, once the event has started (Conflict before; a
    cancelled event is a Conflict), and only attendees they may see (NotFound otherwise: the
    same answer as for a stranger). A new mark writes one dated ``Interaction``
    (``event_meeting``, source ``event:<id>``), which moves the keep-in-touch clocks; changing
    the note does not. ``note`` None leaves it as it is. The note passes the guard
    (``events.met_note``; the other member's name counts as a colleague's).
    """
    _require_member(actor)
    text = None if note is None else _text("note", note, limit=MAX_MET_NOTE)
    now = timezone.now()
    _locked_registration(actor, event, ATTENDING_STATES, NOT_ATTENDING)
    _require_not_cancelled(event)
    _require_started(event, now)
    if not is_met_candidate(actor, event, other):
        raise NotFound("No attendee with that handle.")
    mark = (
        MetAttendee.objects.select_for_update()
        .filter(event_id=event.pk, user_id=actor.pk, other_id=other.pk)
        .first()
    )
    if text and (mark is None or text != mark.note):
        from rounds.profiles.models import Profile

        guard_text(
            actor=actor,
            path=MET_NOTE_PATH,
            text=text,
            acknowledge_warnings=acknowledge_warnings,
            colleague_names=Profile.objects.filter(user_id=other.pk).values_list(
                "display_name", flat=True
            ),
        )
    if mark is not None:
        if text is not None and text != mark.note:
            mark.note = text
            mark.save(update_fields=["note", "updated_at"])
        return mark, False
    try:
        with transaction.atomic():
            mark = MetAttendee.objects.create(
                event_id=event.pk, user_id=actor.pk, other_id=other.pk, note=text or ""
            )
    except IntegrityError as exc:  # the same mark, made at the same moment in another request
        raise Conflict("You have already marked this attendee.") from exc
    from rounds.network.models import Interaction
    from rounds.network.services import interaction_record

    interaction_record(
        actor=actor,
        other_id=other.pk,
        kind=Interaction.Kind.EVENT_MEETING,
        occurred_at=_met_moment(event, now),
        source=event_source(event),
    )
    return mark, True


def event_source(event: Event) -> str:
    """The ``Interaction.source`` of meetings at ``event``."""
    return f"event:{event.pk}"


@transaction.atomic
def met_unmark(*, actor: Any, event: Event, other_id: int) -> None:
    """Remove the actor's mark of ``other_id`` at ``event`` and the interaction it logged
    (keep-in-touch clocks it moved stay where they are). NotFound when there is no mark."""
    _require_member(actor)
    deleted, _ = MetAttendee.objects.filter(
        event_id=event.pk, user_id=actor.pk, other_id=other_id
    ).delete()
    if not deleted:
        raise NotFound("You have not marked this attendee.")
    from rounds.network.models import Interaction

    Interaction.objects.filter(
        actor_id=actor.pk,
        other_id=other_id,
        kind=Interaction.Kind.EVENT_MEETING,
        source=event_source(event),
    ).delete()


# --- follow-up ------------------------------------------------------------------------------------


@transaction.atomic
def follow_up_set(*, actor: Any, event: Event, state: Any) -> Registration:
    """Set the actor's follow-up for ``event``: "done", "dismissed" (the home reminder goes
    away) or "pending" (it comes back while the event ended less than 30 days ago).

    Only members who were going or attended (Forbidden otherwise), once the event has started
    (Conflict before); a cancelled event is a Conflict."""
    _require_member(actor)
    if state not in FollowUp.values:
        raise ValidationFailed("Choose pending, done or dismissed.", field="state")
    registration = _locked_registration(actor, event, ATTENDING_STATES, NOT_ATTENDING)
    _require_not_cancelled(event)
    _require_started(event, timezone.now())
    if registration.follow_up != state:
        registration.follow_up = state
        registration.save(update_fields=["follow_up", "updated_at"])
    _remember(event, actor, registration)
    return registration


# --- connection request to someone met ------------------------------------------------------------


def connection_note_prefill(*, event: Event, other_name: str) -> str:
    """The personal note offered with a connection request to someone met at ``event``."""
    from rounds.network.services import MAX_NOTE

    first = (other_name or "").split()[0] if (other_name or "").split() else ""
    greeting = f"Hi {first}," if first else "Hello,"
    title = event.title
    note = f"{greeting} it was good to meet you at {title}. I would like to stay in touch."
    if len(note) > MAX_NOTE:
        room = MAX_NOTE - len(note) + len(title) - 1
        note = note.replace(title, title[: max(room, 0)].rstrip() + "…")
    return note[:MAX_NOTE]


@transaction.atomic
def met_connect(
    *,
    actor: Any,
    event: Event,
    other: Any,
    note: Any = None,
    acknowledge_warnings: bool = False,
) -> Any:
    """Send ``other`` (whom the actor marked as met at ``event``) a connection request with a
    personal note: ``note``, or the prefilled one when None. The network's rules apply
    (``connection_request_send``: Conflict when already connected or a request is pending,
    the note passes the guard as ``network.connection_note``). Conflict when ``other`` is not
    marked as met."""
    _require_member(actor)
    if not MetAttendee.objects.filter(
        event_id=event.pk, user_id=actor.pk, other_id=other.pk
    ).exists():
        raise Conflict("Mark them as someone you met first.", field="handle")
    from rounds.network.services import connection_request_send
    from rounds.profiles.models import Profile

    if note is None:
        name = (
            Profile.objects.filter(user_id=other.pk).values_list("display_name", flat=True).first()
        )
        note = connection_note_prefill(event=event, other_name=name or "")
    return connection_request_send(
        actor=actor, recipient=other, note=note, acknowledge_warnings=acknowledge_warnings
    )


def can_prepare(user: Any, event: Event) -> bool:
    """Registrants prepare (goal, who to meet); the page says so to everyone else."""
    registration = policies.registration_of(user, event)
    return registration is not None and registration.state in PREPARING_STATES


def can_record_meetings(user: Any, event: Event) -> bool:
    """Members who were going (or attended) record whom they met."""
    registration = policies.registration_of(user, event)
    return registration is not None and registration.state in ATTENDING_STATES
