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


def _staff(user: Any) -> bool:
    return _member(user) and bool(user.is_staff)


def is_owner(user: Any, event: Event) -> bool:
    """The member who created the event (``Event.organizer``)."""
    return _member(user) and event.organizer_id == user.pk


# Named rights. The owner and the co-organizers run the event together; only the owner (and
# site staff) may end it or change who runs it. Site staff hold every right (moderation).


def can_edit(user: Any, event: Event) -> bool:
    """Edit the details, publish the draft, manage shifts, see a draft or hidden event."""
    return is_organizer(user, event) or _staff(user)


def can_manage_registrations(user: Any, event: Event) -> bool:
    """See every registration on the roster, download the CSV, mark attendance."""
    return is_organizer(user, event) or _staff(user)


def can_add_co_organizers(user: Any, event: Event) -> bool:
    """Invite more co-organizers (a co-organizer may too: the organizing committee grows)."""
    return is_organizer(user, event) or _staff(user)


def can_cancel(user: Any, event: Event) -> bool:
    """Cancel the event: its owner (and site staff), never a co-organizer."""
    return is_owner(user, event) or _staff(user)


def can_remove_co_organizers(user: Any, event: Event) -> bool:
    """Remove any co-organizer: the owner (and site staff). Anyone may step down themselves;
    the owner is never removed (see ``services.co_organizer_remove``)."""
    return is_owner(user, event) or _staff(user)


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
    return is_organizer(user, event) or _staff(user) or is_going(user, event)


def can_see_roster(user: Any, event: Event) -> bool:
    """The attendee directory: organizers see everyone; registrants see the registrants who
    consented (``roster_visibility`` = registrants). Nobody else sees it."""
    return can_manage_registrations(user, event) or is_registrant(user, event)


def can_register(user: Any, event: Event) -> bool:
    """Shown as the register button; the service re-checks (deadline, state) under a lock.
    Organizers host the event: they never register (nor take a place)."""
    return _member(user) and event.state == State.PUBLISHED and not is_organizer(user, event)
