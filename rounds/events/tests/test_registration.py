"""The registration state machine: going / interested / waitlisted / cancelled / attended,
capacity (event and shift), waitlist promotion, and illegal transitions (nothing changed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.errors import Conflict, Forbidden, ValidationFailed
from rounds.events import services
from rounds.events.models import Event, EventShift, Registration
from rounds.notifications.models import Notification

from .factories import (
    fresh,
    make_event,
    make_ongoing,
    make_past,
    new_user,
    register,
)

pytestmark = pytest.mark.django_db


def states(event: Event) -> dict[int, str]:
    return dict(Registration.objects.filter(event=event).values_list("user_id", "state"))


def counts(event: Event) -> tuple[int, int]:
    e = fresh(event)
    return e.going_count, e.waitlist_count


def test_going_until_full_then_waitlisted_in_order():
    event = make_event(capacity=2)
    a, b, c, d = (new_user() for _ in range(4))
    assert register(event, a).state == "going"
    assert register(event, b).state == "going"
    rc = register(event, c)
    rd = register(event, d)
    assert rc.state == rd.state == "waitlisted"
    assert rc.waitlisted_at <= rd.waitlisted_at
    assert counts(event) == (2, 2)


def test_cancel_promotes_first_waitlisted_and_notifies_them():
    event = make_event(capacity=1)
    a, b, c = new_user(), new_user(), new_user()
    register(event, a)
    register(event, b)
    register(event, c)
    services.registration_cancel(actor=a, event=fresh(event))
    assert states(event) == {a.pk: "cancelled", b.pk: "going", c.pk: "waitlisted"}
    assert counts(event) == (1, 1)
    note = Notification.objects.get(recipient=b, kind="event.waitlist_promoted")
    assert note.url == f"/events/{event.pk}/"
    assert not Notification.objects.filter(recipient=c, kind="event.waitlist_promoted").exists()


def test_going_to_interested_frees_the_place():
    event = make_event(capacity=1)
    a, b = new_user(), new_user()
    register(event, a)
    register(event, b)
    register(event, a, state="interested")
    assert states(event) == {a.pk: "interested", b.pk: "going"}
    assert counts(event) == (1, 0)


def test_interested_then_going_and_waitlisted_then_interested():
    event = make_event(capacity=1)
    a, b = new_user(), new_user()
    register(event, a, state="interested")
    assert counts(event) == (0, 0)
    register(event, a)
    register(event, b)
    assert states(event) == {a.pk: "going", b.pk: "waitlisted"}
    register(event, b, state="interested")
    assert counts(event) == (1, 0)


@pytest.mark.parametrize("state", ["going", "interested"])
def test_registering_twice_the_same_way_is_a_conflict(state):
    event = make_event()
    user = new_user()
    register(event, user, state=state)
    with pytest.raises(Conflict):
        register(event, user, state=state)
    assert counts(event) == ((1, 0) if state == "going" else (0, 0))


def test_waitlisted_registering_going_again_is_a_conflict():
    event = make_event(capacity=1)
    register(event)
    user = new_user()
    register(event, user)
    with pytest.raises(Conflict):
        register(event, user)
    assert counts(event) == (1, 1)


def test_cancel_then_register_again_reuses_the_row():
    event = make_event()
    user = new_user()
    register(event, user)
    services.registration_cancel(actor=user, event=fresh(event))
    with pytest.raises(Conflict):
        services.registration_cancel(actor=user, event=fresh(event))
    register(event, user)
    assert Registration.objects.filter(event=event, user=user).count() == 1
    assert counts(event) == (1, 0)


def test_cannot_register_for_draft_cancelled_started_or_past_events():
    user = new_user()
    draft = make_event(publish=False)
    with pytest.raises(Conflict):
        register(draft, user)
    cancelled = make_event()
    services.event_cancel(actor=cancelled.organizer, event=fresh(cancelled), reason="Storm")
    with pytest.raises(Conflict):
        register(cancelled, user)
    ongoing = make_ongoing(make_event())
    with pytest.raises(Conflict):
        register(ongoing, user)
    past = make_past(make_event())
    with pytest.raises(Conflict, match="started"):
        register(past, user)
    assert not Registration.objects.filter(user=user).exists()


def test_cannot_register_after_the_deadline():
    event = make_event()
    Event.objects.filter(pk=event.pk).update(
        registration_deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(Conflict, match="deadline"):
        register(event)
    assert counts(event) == (0, 0)


def test_cannot_cancel_after_start():
    event = make_event()
    user = new_user()
    register(event, user)
    make_ongoing(event)
    with pytest.raises(Conflict):
        services.registration_cancel(actor=user, event=fresh(event))
    assert states(event) == {user.pk: "going"}


def test_bad_state_and_visibility_are_422():
    event = make_event()
    with pytest.raises(ValidationFailed):
        register(event, state="attended")
    with pytest.raises(ValidationFailed):
        register(event, roster_visibility="everyone")


def test_shift_capacity_waitlists_per_shift_and_promotes_per_shift():
    organizer = new_user()
    event = make_event(organizer, kind="volunteering", duration=timedelta(hours=8))
    e = fresh(event)
    morning = services.shift_add(
        actor=organizer,
        event=e,
        title="Morning",
        starts_at=e.starts_at,
        ends_at=e.starts_at + timedelta(hours=4),
        capacity=1,
    )
    afternoon = services.shift_add(
        actor=organizer,
        event=fresh(event),
        title="Afternoon",
        starts_at=e.starts_at + timedelta(hours=4),
        ends_at=e.ends_at,
        capacity=2,
    )
    a, b, c = new_user(), new_user(), new_user()
    with pytest.raises(ValidationFailed):
        register(event, a)  # a shift is required
    assert register(event, a, shift=morning.pk).state == "going"
    assert register(event, b, shift=morning.pk).state == "waitlisted"
    assert register(event, c, shift=afternoon.pk).state == "going"
    assert EventShift.objects.get(pk=morning.pk).going_count == 1
    services.registration_cancel(actor=a, event=fresh(event))
    assert states(event)[b.pk] == "going"
    assert EventShift.objects.get(pk=morning.pk).going_count == 1
    assert counts(event) == (2, 0)


def test_attendance_only_for_going_after_start_by_organizers():
    organizer = new_user()
    event = make_event(organizer)
    going, interested = new_user(), new_user()
    register(event, going)
    register(event, interested, state="interested")
    with pytest.raises(Conflict):  # not started
        services.attendance_mark(actor=organizer, event=fresh(event), user_id=going.pk)
    make_ongoing(event)
    with pytest.raises(Forbidden):
        services.attendance_mark(actor=going, event=fresh(event), user_id=going.pk)
    with pytest.raises(Conflict):
        services.attendance_mark(actor=organizer, event=fresh(event), user_id=interested.pk)
    row = services.attendance_mark(actor=organizer, event=fresh(event), user_id=going.pk)
    assert row.state == "attended"
    with pytest.raises(Conflict):
        services.attendance_mark(actor=organizer, event=fresh(event), user_id=going.pk)
    assert counts(event) == (1, 0)  # attended still counts as going
    services.attendance_mark(actor=organizer, event=fresh(event), user_id=going.pk, attended=False)
    assert states(event)[going.pk] == "going"


def test_visibility_setting():
    event = make_event()
    user = new_user()
    with pytest.raises(Conflict):
        services.registration_set_visibility(
            actor=user, event=fresh(event), roster_visibility="hidden"
        )
    register(event, user)
    row = services.registration_set_visibility(
        actor=user, event=fresh(event), roster_visibility="hidden"
    )
    assert row.roster_visibility == "hidden"


def test_capacity_raise_promotes_and_cannot_go_below_going():
    organizer = new_user()
    event = make_event(organizer, capacity=1)
    a, b = new_user(), new_user()
    register(event, a)
    register(event, b)
    services.event_update(actor=organizer, event=fresh(event), changes={"capacity": 2})
    assert states(event) == {a.pk: "going", b.pk: "going"}
    with pytest.raises(ValidationFailed):
        services.event_update(actor=organizer, event=fresh(event), changes={"capacity": 1})
    assert counts(event) == (2, 0)


def test_waitlist_position():
    from rounds.events.selectors import waitlist_position

    event = make_event(capacity=1)
    register(event)
    rows = [register(event) for _ in range(3)]
    assert [waitlist_position(row) for row in rows] == [1, 2, 3]
    assert waitlist_position(Registration.objects.filter(state="going").first()) is None
