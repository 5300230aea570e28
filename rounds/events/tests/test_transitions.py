"""Every registration transition and every illegal one, through the pages and the API: a
legal one lands in the expected state; an illegal one is a clear 4xx and changes nothing
(registrations, counts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rounds.core.tests.api_client import api_as
from rounds.events import services
from rounds.events.models import Event, Registration

from .factories import fresh, make_event, make_ongoing, make_past, new_user, register

pytestmark = pytest.mark.django_db


def snapshot(event):
    e = fresh(event)
    rows = sorted(Registration.objects.filter(event=event).values_list("user_id", "state"))
    return rows, e.going_count, e.waitlist_count


class Page:
    """Register / cancel / set visibility through the no-JavaScript forms."""

    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)

    def register(self, event, state="going", **extra):
        data = {"state": state, **{k: str(v) for k, v in extra.items()}}
        if extra.get("waitlist") is False:
            data["waitlist"] = "0"
        return self.client.post(f"/events/{event.pk}/register/", data).status_code

    def cancel(self, event):
        return self.client.post(f"/events/{event.pk}/register/cancel/").status_code

    def visibility(self, event, value):
        url = f"/events/{event.pk}/register/visibility/"
        return self.client.post(url, {"roster_visibility": value}).status_code


class Api:
    def __init__(self, user):
        self.api = api_as(user)

    def register(self, event, state="going", **extra):
        body = {"state": state, **extra}
        return self.api.put(f"/events/{event.pk}/registration", body).status_code

    def cancel(self, event):
        return self.api.delete(f"/events/{event.pk}/registration").status_code

    def visibility(self, event, value):
        body = {"roster_visibility": value}
        return self.api.patch(f"/events/{event.pk}/registration", body).status_code


OK = {Page: 302, Api: 200}
INTERFACES = [Page, Api]


@pytest.fixture(params=INTERFACES, ids=["page", "api"])
def via(request):
    return request.param


def state_of(event, user):
    return Registration.objects.get(event=event, user=user).state


# --- legal transitions ---------------------------------------------------------------------------


def test_legal_transitions(via):
    event = make_event(capacity=1)
    me, other = new_user(), new_user()
    act = via(me)
    assert act.register(event, "interested") == OK[via]
    assert state_of(event, me) == "interested"
    assert act.register(event, "going") == OK[via]  # interested → going
    assert state_of(event, me) == "going"
    assert act.register(event, "interested") == OK[via]  # going → interested
    assert act.register(event, "going") == OK[via]
    via(other).register(event, "going")
    assert state_of(event, other) == "waitlisted"  # beyond capacity → waitlist
    assert via(other).register(event, "interested") == OK[via]  # waitlisted → interested
    assert via(other).register(event, "going") == OK[via]
    assert act.cancel(event) == OK[via]  # going → cancelled promotes the waitlist
    assert (state_of(event, me), state_of(event, other)) == ("cancelled", "going")
    assert act.register(event, "going") == OK[via]  # cancelled → going (waitlisted: full)
    assert state_of(event, me) == "waitlisted"
    assert act.cancel(event) == OK[via]  # waitlisted → cancelled
    assert act.register(event, "interested") == OK[via]
    assert act.cancel(event) == OK[via]  # interested → cancelled
    assert act.register(event, "interested") == OK[via]
    assert act.visibility(event, "hidden") == OK[via]
    assert Registration.objects.get(event=event, user=me).roster_visibility == "hidden"
    assert snapshot(event)[1:] == (1, 0)


# --- illegal transitions: 4xx, nothing changed ---------------------------------------------------


def _illegal(via, event, action, expected):
    before = snapshot(event)
    status = action()
    assert status == expected, (via.__name__, status)
    assert snapshot(event) == before


def test_twice(via):
    event = make_event(capacity=1)
    me, other = new_user(), new_user()
    register(event, me)
    _illegal(via, event, lambda: via(me).register(event, "going"), 409)
    register(event, other)  # waitlisted
    _illegal(via, event, lambda: via(other).register(event, "going"), 409)
    register(event, other, state="interested")
    _illegal(via, event, lambda: via(other).register(event, "interested"), 409)
    services.registration_cancel(actor=other, event=fresh(event))
    _illegal(via, event, lambda: via(other).cancel(event), 409)
    _illegal(via, event, lambda: via(new_user()).cancel(event), 409)


def test_after_the_deadline(via):
    event = make_event()
    Event.objects.filter(pk=event.pk).update(
        registration_deadline=timezone.now() - timedelta(minutes=5)
    )
    _illegal(via, event, lambda: via(new_user()).register(event, "going"), 409)
    _illegal(via, event, lambda: via(new_user()).register(event, "interested"), 409)


def test_cancelled_event(via):
    event = make_event()
    me = new_user()
    register(event, me, state="interested")
    services.event_cancel(actor=event.organizer, event=fresh(event))
    _illegal(via, event, lambda: via(new_user()).register(event, "going"), 409)
    _illegal(via, event, lambda: via(me).register(event, "going"), 409)


def test_draft_event_is_not_there(via):
    event = make_event(publish=False)
    _illegal(via, event, lambda: via(new_user()).register(event, "going"), 404)


def test_started_and_past_events(via):
    event = make_event()
    me = new_user()
    register(event, me)
    make_ongoing(event)
    _illegal(via, event, lambda: via(new_user()).register(event, "going"), 409)
    _illegal(via, event, lambda: via(me).cancel(event), 409)
    make_past(event)
    _illegal(via, event, lambda: via(new_user()).register(event, "going"), 409)
    _illegal(via, event, lambda: via(me).register(event, "interested"), 409)


def test_beyond_capacity_without_the_waitlist(via):
    event = make_event(capacity=1)
    register(event)
    _illegal(via, event, lambda: via(new_user()).register(event, "going", waitlist=False), 409)


def test_bad_values(via):
    event = make_event()
    me = new_user()
    _illegal(via, event, lambda: via(me).register(event, "attended"), 422)
    _illegal(via, event, lambda: via(me).register(event, "waitlisted"), 422)
    register(event, me)
    _illegal(via, event, lambda: via(me).visibility(event, "everyone"), 422)
    _illegal(via, event, lambda: via(new_user()).visibility(event, "hidden"), 409)


def test_attendance_transitions():
    organizer = new_user()
    event = make_event(organizer, capacity=5)
    going, curious = new_user(), new_user()
    register(event, going)
    register(event, curious, state="interested")
    api = api_as(organizer)
    url = f"/events/{event.pk}/attendance/"

    def mark(user, attended=True):
        return api.put(url + user.profile.handle, {"attended": attended}).status_code

    before = snapshot(event)
    assert mark(going) == 409  # not started
    make_ongoing(event)
    assert mark(curious) == 409  # only members going
    assert api_as(going).put(url + going.profile.handle, {"attended": True}).status_code == 403
    assert mark(going, attended=False) == 409  # not marked yet
    assert snapshot(event) == before
    assert mark(going) == 200
    assert state_of(event, going) == "attended"
    assert mark(going) == 409  # twice
    assert api_as(going).delete(f"/events/{event.pk}/registration").status_code == 409
    assert mark(going, attended=False) == 200  # undo
    assert state_of(event, going) == "going"
