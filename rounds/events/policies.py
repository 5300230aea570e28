"""Who may do what with an event (pure predicates over loaded objects).

``access.access_event`` loads the viewer's co-organizer flag and registration with the event
(``remember_viewer``), so these predicates answer without a query in a request.
"""

from __future__ import annotations

from typing import Any

from .models import Event, Registration, RegistrationState, State

_ACTIVE = (
    RegistrationState.GOING,
    RegistrationState.INTERESTED,
    RegistrationState.WAITLISTED,
    RegistrationState.ATTENDED,
)


def _member(user: Any) -> bool:
    return user is not None and user.is_authenticated


def remember_viewer(
    event: Event, user_id: int, *, co_organizer: bool, registration: Registration | None
) -> None:
    """Record what ``access_event`` loaded about ``user_id`` on the instance."""
    event._viewer_state = {  # type: ignore[attr-defined]
        "user_id": user_id,
        "co_organizer": co_organizer,
        "registration": registration,
    }


def _viewer_state(user: Any, event: Event) -> dict[str, Any]:
    state = getattr(event, "_viewer_state", None)
    if state is not None and state["user_id"] == user.pk:
        return state  # type: ignore[no-any-return]
    from .models import EventOrganizer

    registration = Registration.objects.filter(event=event, user_id=user.pk).first()
    co_organizer = EventOrganizer.objects.filter(event=event, user_id=user.pk).exists()
    remember_viewer(event, user.pk, co_organizer=co_organizer, registration=registration)
    return event._viewer_state  # type: ignore[attr-defined,no-any-return]


def registration_of(user: Any, event: Event) -> Registration | None:
    """The member's registration (any state), or None."""
    if not _member(user):
        return None
    return _viewer_state(user, event)["registration"]  # type: ignore[no-any-return]


def is_organizer(user: Any, event: Event) -> bool:
    """The organizer or a co-organizer (site staff are not organizers)."""
    if not _member(user):
        return False
    if event.organizer_id == user.pk:
        return True
    return bool(_viewer_state(user, event)["co_organizer"])


def can_manage(user: Any, event: Event) -> bool:
    """Edit, publish, cancel, co-organize, see the roster, mark attendance, export CSV."""
    return is_organizer(user, event) or (_member(user) and user.is_staff)


def is_registrant(user: Any, event: Event) -> bool:
    """Registered in any active state (going, interested, waitlisted, attended)."""
    registration = registration_of(user, event)
    return registration is not None and registration.state in _ACTIVE


def is_going(user: Any, event: Event) -> bool:
    registration = registration_of(user, event)
    return registration is not None and registration.state in (
        RegistrationState.GOING,
        RegistrationState.ATTENDED,
    )


def can_see_join_link(user: Any, event: Event) -> bool:
    """The online join link: organizers and members who are going (or attended)."""
    return can_manage(user, event) or is_going(user, event)


def can_see_roster(user: Any, event: Event) -> bool:
    """The attendee directory: organizers see everyone; registrants see the registrants who
    consented (``roster_visibility`` = registrants). Nobody else sees it."""
    return can_manage(user, event) or is_registrant(user, event)


def can_register(user: Any, event: Event) -> bool:
    """Shown as the register button; the service re-checks (deadline, state) under a lock."""
    return _member(user) and event.state == State.PUBLISHED
