"""The roster: who appears to whom, by state and consent; the organizers' CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from rounds.core.tests.api_client import api_as
from rounds.events import services
from rounds.events.views import csv_safe

from .factories import fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("Dr Ana", "Dr Ana"),
        ("", ""),
        (None, ""),
    ],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_states_on_the_roster():
    organizer = new_user()
    event = make_event(organizer, capacity=1)
    going, waiting, curious, gone = new_user(), new_user(), new_user(), new_user()
    register(event, going)
    register(event, waiting)
    register(event, curious, state="interested")
    register(event, gone, state="interested")
    services.registration_cancel(actor=gone, event=fresh(event))

    def handles(user, **params):
        body = api_as(user).get(f"/events/{event.pk}/roster", params).json()
        return {row["member"]["handle"]: row["state"] for row in body["items"]}

    everyone = handles(organizer)
    assert everyone == {
        going.profile.handle: "going",
        waiting.profile.handle: "waitlisted",
        curious.profile.handle: "interested",
    }
    assert handles(organizer, state="waitlisted") == {waiting.profile.handle: "waitlisted"}
    # Registrants do not see the waitlist.
    assert handles(curious) == {
        going.profile.handle: "going",
        curious.profile.handle: "interested",
    }
    assert handles(curious, state="going") == {going.profile.handle: "going"}


def test_changing_consent_takes_effect():
    event = make_event()
    a, b = new_user(), new_user()
    register(event, a)
    register(event, b)
    services.registration_set_visibility(actor=a, event=fresh(event), roster_visibility="hidden")
    body = api_as(b).get(f"/events/{event.pk}/roster").json()
    assert a.profile.handle not in {row["member"]["handle"] for row in body["items"]}


def test_csv_has_every_active_registration_in_order(client):
    organizer = new_user()
    event = make_event(organizer, capacity=1)
    first, second, third = new_user(), new_user(), new_user()
    register(event, first, roster_visibility="hidden")
    register(event, second)
    register(event, third)
    client.force_login(organizer)
    response = client.get(f"/events/{event.pk}/roster.csv")
    assert response["Content-Disposition"] == f'attachment; filename="event-{event.pk}-roster.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_handle = {row["handle"]: row for row in rows}
    assert by_handle[first.profile.handle]["listed"] == "no"
    assert by_handle[first.profile.handle]["state"] == "going"
    waitlist = [row["handle"] for row in rows if row["state"] == "waitlisted"]
    assert waitlist == [second.profile.handle, third.profile.handle]
