"""Events in the data export and in account erasure."""

from __future__ import annotations

import json

import pytest

from rounds.events import services
from rounds.events.datarights import erase_member_data, export_member_data
from rounds.events.models import Event, EventOrganizer, MetAttendee, Registration
from rounds.notifications.models import Notification

from .factories import attend, fresh, make_event, make_past, new_user, register

pytestmark = pytest.mark.django_db


def erase(user, *, anonymise=False):
    erase_member_data(user, anonymise=anonymise)
    user.delete()


def test_export_holds_the_members_event_data_only():
    me, other = new_user(), new_user()
    mine = make_event(me, title="My mixer", description="Come along")
    theirs = make_event(other)
    helped = make_event(other)  # organizers do not register: co-organize another event
    services.co_organizer_add(actor=other, event=fresh(helped), handle=me.profile.handle)
    row = register(theirs, me, roster_visibility="hidden")
    Registration.objects.filter(pk=row.pk).update(goal="Meet a nephrologist")
    register(mine, other)
    MetAttendee.objects.create(event=theirs, user=me, other=other, note="Great chat")
    MetAttendee.objects.create(event=theirs, user=other, other=me, note="Their private note")
    data = export_member_data(me)
    json.dumps(data)
    assert [r["goal"] for r in data["event_registrations"]] == ["Meet a nephrologist"]
    assert data["event_registrations"][0]["roster_visibility"] == "hidden"
    assert [e["title"] for e in data["events_organized"]] == ["My mixer"]
    assert [e["event"] for e in data["events_co_organized"]] == [helped.pk]
    assert [m["note"] for m in data["events_met"]] == ["Great chat"]
    assert "Their private note" not in json.dumps(data)


def test_erasure_frees_places_and_promotes_the_waitlist():
    me, waiting = new_user(), new_user()
    event = make_event(capacity=1)
    register(event, me)
    register(event, waiting)
    erase(me)
    event = fresh(event)
    assert (event.going_count, event.waitlist_count) == (1, 0)
    assert Registration.objects.get(event=event).user_id == waiting.pk
    assert Notification.objects.filter(recipient=waiting, kind="event.waitlist_promoted").exists()


def test_erasure_cancels_upcoming_organized_events_and_keeps_past_ones():
    me, attendee = new_user(), new_user()
    upcoming = make_event(me, title="Upcoming by me")
    register(upcoming, attendee)
    # A person's name in a title may draw a guard warning (which names depends on the
    # generated name): the organizer publishes it anyway, as the form lets them.
    past = make_event(
        me,
        title=f"Past by {me.profile.display_name}",
        description="Slides here",
        acknowledge_warnings=True,
    )
    attend(past, attendee, organizer=me)
    draft = make_event(me, publish=False)
    helper_event = make_event(new_user())
    services.co_organizer_add(
        actor=helper_event.organizer, event=fresh(helper_event), handle=me.profile.handle
    )
    erase(me)
    upcoming = fresh(upcoming)
    assert upcoming.state == "cancelled" and upcoming.organizer_id is None
    assert Notification.objects.filter(recipient=attendee, kind="event.cancelled").exists()
    past = fresh(past)
    assert past.state == "published" and past.organizer_id is None
    assert me.profile.display_name not in past.title and "Former member" in past.title
    assert past.description == ""  # removed (not anonymised)
    assert Registration.objects.get(event=past).state == "attended"
    assert not Event.objects.filter(pk=draft.pk).exists()
    assert not EventOrganizer.objects.exists()


def test_anonymised_erasure_keeps_descriptions_without_the_name():
    me = new_user()
    past = make_event(
        me, description=f"Hosted by {me.profile.display_name}", acknowledge_warnings=True
    )
    make_past(past)
    erase(me, anonymise=True)
    assert fresh(past).description == "Hosted by Former member"


def test_erasure_removes_met_marks_both_ways():
    me, other = new_user(), new_user()
    event = make_event(other)
    MetAttendee.objects.create(event=event, user=me, other=other, note="x")
    MetAttendee.objects.create(event=event, user=other, other=me, note="y")
    erase(me)
    assert not MetAttendee.objects.exists()
