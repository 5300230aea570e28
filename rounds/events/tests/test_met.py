"""People I met: marks with private notes, the interaction each writes, and the one-click
connection request with a prefilled note — pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.core.tests.api_client import api_as, assert_error
from rounds.events import preparation
from rounds.events.models import MetAttendee, RosterVisibility
from rounds.events.tests.factories import (
    fresh,
    make_event,
    make_ongoing,
    make_past,
    new_user,
    register,
)
from rounds.network.models import Connection, ConnectionRequest, Interaction
from rounds.network.services import block, connection_request_send
from rounds.network.tests.factories import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """A past event: ``me`` went; ``ana`` went (visible), ``hugo`` went hidden, ``ivy`` was
    only interested, ``olga`` never registered; ``org`` organizes."""
    org = new_user(display_name="Omar Organizer")
    event = make_event(org, title="Quality week")
    me = new_user(display_name="Maya Me")
    ana = new_user(display_name="Ana Lucia Ferreira")
    hugo = new_user(display_name="Hugo Hidden")
    ivy = new_user(display_name="Ivy Interested")
    for user in (me, ana):
        register(event, user)
    register(event, hugo, roster_visibility=RosterVisibility.HIDDEN)
    register(event, ivy, state="interested")
    make_past(event)
    return {
        "event": fresh(event),
        "org": org,
        "me": me,
        "ana": ana,
        "hugo": hugo,
        "ivy": ivy,
        "olga": new_user(display_name="Olga Outsider"),
    }


def handle(user: Any) -> str:
    return user.profile.handle


def interactions(me: Any, other: Any) -> list[Interaction]:
    return list(Interaction.objects.filter(actor=me, other=other, kind="event_meeting"))


def test_marking_writes_one_dated_interaction_and_notes_do_not_add_more(world):
    """The first mark writes one interaction (source event:<id>, at the event's end); editing
    the note changes only the note; unmarking removes both."""
    me, ana, event = world["me"], world["ana"], world["event"]
    api = api_as(me)
    path = f"/events/{event.pk}/met/{handle(ana)}"
    response = api.put(path, {})
    assert response.status_code == 201, response.content
    assert response.json()["member"]["display_name"] == "Ana Lucia Ferreira"
    logged = interactions(me, ana)
    assert len(logged) == 1
    assert logged[0].source == f"event:{event.pk}"
    assert logged[0].occurred_at == event.ends_at
    response = api.put(path, {"note": "Runs the sepsis QI program at County."})
    assert response.status_code == 200
    assert response.json()["note"] == "Runs the sepsis QI program at County."
    assert len(interactions(me, ana)) == 1
    assert api.get(f"/events/{event.pk}/met").json()[0]["note"].startswith("Runs the sepsis")
    assert api.delete(path).status_code == 204
    assert not MetAttendee.objects.exists() and not interactions(me, ana)
    assert_error(api.delete(path), 404)


def test_marking_through_the_pages(client, world):
    """The met page lists attendees; one click marks; the note page saves a private note;
    unmark removes the mark."""
    me, ana, event = world["me"], world["ana"], world["event"]
    client.force_login(me)
    page = client.get(reverse("events:met", args=[event.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ana Lucia Ferreira" in html and "Omar Organizer" in html
    assert "Hugo Hidden" not in html and "Ivy Interested" not in html
    response = client.post(reverse("events:met_mark", args=[event.pk, handle(ana)]))
    assert response.status_code == 302
    assert MetAttendee.objects.filter(user=me, other=ana, note="").exists()
    note_url = reverse("events:met_mark", args=[event.pk, handle(ana)])
    assert client.get(note_url).status_code == 200
    assert client.post(note_url, {"note": "Talk again in May."}).status_code == 302
    assert MetAttendee.objects.get(user=me, other=ana).note == "Talk again in May."
    assert len(interactions(me, ana)) == 1
    html = client.get(reverse("events:met", args=[event.pk])).content.decode()
    assert "Talk again in May." in html
    response = client.post(reverse("events:met_unmark", args=[event.pk, handle(ana)]))
    assert response.status_code == 302
    assert not MetAttendee.objects.exists()


def test_organizers_can_be_marked(world):
    """The organizer is someone you met, registered or not."""
    api = api_as(world["me"])
    path = f"/events/{world['event'].pk}/met/{handle(world['org'])}"
    assert api.put(path, {}).status_code == 201


@pytest.mark.parametrize("who", ["hugo", "ivy", "olga", "me"])
def test_only_visible_attendees_can_be_marked(world, who):
    """Hidden attendees, the merely interested, non-registrants and oneself are a 404 (the
    answer for a missing member), and nothing is written."""
    api = api_as(world["me"])
    target = handle(world[who])
    assert_error(api.put(f"/events/{world['event'].pk}/met/{target}", {}), 404)
    assert_error(api.put(f"/events/{world['event'].pk}/met/no-such-member", {}), 404)
    assert not MetAttendee.objects.exists() and not Interaction.objects.exists()


def test_blocked_either_way_cannot_be_marked_or_listed(world):
    """A block either way hides the attendee from the candidates and refuses the mark."""
    me, ana, event = world["me"], world["ana"], world["event"]
    block(actor=ana, blocked=me)
    api = api_as(me)
    assert_error(api.put(f"/events/{event.pk}/met/{handle(ana)}", {}), 404)
    listed = api.get(f"/events/{event.pk}/met/candidates").json()["items"]
    assert "Ana Lucia Ferreira" not in [i["member"]["display_name"] for i in listed]


def test_only_members_who_were_going_record_meetings(client, world):
    """The interested, the hidden-but-going aside, and strangers: 403 on a visible event."""
    event = world["event"]
    for who in ("ivy", "olga"):
        api = api_as(world[who])
        assert_error(api.get(f"/events/{event.pk}/met"), 403)
        assert_error(api.put(f"/events/{event.pk}/met/{handle(world['ana'])}", {}), 403)
        client.force_login(world[who])
        assert client.get(reverse("events:met", args=[event.pk])).status_code == 403


def test_hidden_attendees_may_still_record_whom_they_met(world):
    """Hiding from the roster does not stop a member from recording their own meetings."""
    api = api_as(world["hugo"])
    assert api.put(f"/events/{world['event'].pk}/met/{handle(world['ana'])}", {}).status_code == 201


def test_not_before_the_event_starts(client):
    """Before the start: 409 (API) and a notice instead of the lists (page); once the event
    is under way, marking works."""
    event = make_event()
    me, ana = new_user(), new_user()
    register(event, me)
    register(event, ana)
    api = api_as(me)
    assert_error(api.put(f"/events/{event.pk}/met/{handle(ana)}", {}), 409)
    client.force_login(me)
    html = client.get(reverse("events:met", args=[event.pk])).content.decode()
    assert "once the event has started" in html
    make_ongoing(event)
    assert api.put(f"/events/{event.pk}/met/{handle(ana)}", {}).status_code == 201


def test_connect_with_the_prefilled_note(client, world):
    """The met list offers the prefilled note; one click sends the request with it; then the
    offer is gone (request pending) and sending again is a 409."""
    me, ana, event = world["me"], world["ana"], world["event"]
    api = api_as(me)
    api.put(f"/events/{event.pk}/met/{handle(ana)}", {})
    listed = api.get(f"/events/{event.pk}/met").json()[0]
    assert listed["connect_note"] == (
        "Hi Ana, it was good to meet you at Quality week. I would like to stay in touch."
    )
    client.force_login(me)
    html = client.get(reverse("events:met", args=[event.pk])).content.decode()
    assert "it was good to meet you at Quality week" in html
    response = client.post(
        reverse("events:met_connect", args=[event.pk, handle(ana)]),
        {"note": listed["connect_note"]},
    )
    assert response.status_code == 302
    sent = ConnectionRequest.objects.get(sender=me, recipient=ana)
    assert sent.note == listed["connect_note"]
    again = api.get(f"/events/{event.pk}/met").json()[0]
    assert again["request_pending"] is True and again["connect_note"] is None
    assert_error(api.post(f"/events/{event.pk}/met/{handle(ana)}/connect", {}), 409)


def test_connect_through_the_api_defaults_to_the_prefilled_note(world):
    """POST .../connect without a note sends the prefilled one (201)."""
    me, ana, event = world["me"], world["ana"], world["event"]
    api = api_as(me)
    api.put(f"/events/{event.pk}/met/{handle(ana)}", {})
    response = api.post(f"/events/{event.pk}/met/{handle(ana)}/connect", {})
    assert response.status_code == 201, response.content
    assert response.json()["note"].startswith("Hi Ana, it was good to meet you")


def test_connect_needs_a_mark_and_no_existing_tie(world):
    """Unmarked: 404; already connected: 409; a pending request from them: 409."""
    me, ana, org, event = world["me"], world["ana"], world["org"], world["event"]
    api = api_as(me)
    assert_error(api.post(f"/events/{event.pk}/met/{handle(ana)}/connect", {}), 404)
    api.put(f"/events/{event.pk}/met/{handle(ana)}", {})
    connect(me, ana)
    assert_error(api.post(f"/events/{event.pk}/met/{handle(ana)}/connect", {}), 409)
    row = api.get(f"/events/{event.pk}/met").json()[0]
    assert row["connected"] is True and row["connect_note"] is None
    api.put(f"/events/{event.pk}/met/{handle(org)}", {})
    connection_request_send(actor=org, recipient=me)
    assert_error(api.post(f"/events/{event.pk}/met/{handle(org)}/connect", {}), 409)
    assert Connection.objects.filter(owner=me).count() == 1


def test_connect_page_shows_guard_findings_and_nothing_is_sent(client, world):
    """A note with patient details is refused on the connect page (422), nothing sent."""
    me, ana, event = world["me"], world["ana"], world["event"]
    preparation.met_mark(actor=me, event=fresh(event), other=ana)
    client.force_login(me)
    url = reverse("events:met_connect", args=[event.pk, handle(ana)])
    assert "it was good to meet you" in client.get(url).content.decode()
    note = "My patient John Smith, DOB 03/14/1956, MRN 00123456, says hi."
    response = client.post(url, {"note": note})
    assert response.status_code == 422
    assert "This could identify a patient" in response.content.decode()
    assert not ConnectionRequest.objects.exists()


def test_met_note_is_private(world):
    """Another attendee never sees my marks or notes (their own list is theirs)."""
    me, ana, event = world["me"], world["ana"], world["event"]
    api_as(me).put(f"/events/{event.pk}/met/{handle(ana)}", {"note": "Ask about the grant"})
    theirs = api_as(ana).get(f"/events/{event.pk}/met").json()
    assert theirs == []


def _more_attendees(event: Any, count: int) -> list[Any]:
    """Register ``count`` more members as going (moving the past event ahead for a moment:
    registration closes at the start)."""
    from datetime import timedelta

    from django.utils import timezone

    from rounds.events.tests.factories import move_event

    starts, ends = event.starts_at, event.ends_at
    move_event(event, starts_at=timezone.now() + timedelta(days=3))
    users = [new_user() for _ in range(count)]
    for user in users:
        register(event, user)
    move_event(event, starts_at=starts, ends_at=ends)
    return users


def test_met_page_queries_do_not_grow(client, world):
    """The met page and the met API: the same number of queries with 1 or 12 marks and 3 or
    25 candidates."""
    me, event = world["me"], world["event"]
    client.force_login(me)
    api = api_as(me)

    def measure() -> tuple[int, int]:
        client.get(reverse("events:met", args=[event.pk]))
        api.get(f"/events/{event.pk}/met")
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("events:met", args=[event.pk])).status_code == 200
        with CaptureQueriesContext(connection) as listing:
            assert api.get(f"/events/{event.pk}/met").status_code == 200
        return len(page.captured_queries), len(listing.captured_queries)

    preparation.met_mark(actor=me, event=fresh(event), other=world["ana"])
    small = measure()
    for user in _more_attendees(fresh(event), 22)[:11]:
        preparation.met_mark(actor=me, event=fresh(event), other=user)
    assert measure() == small


def test_event_page_links_attendees_to_people_i_met(client, world):
    """After the start, the event page links members who went to "People I met"."""
    event = world["event"]
    client.force_login(world["me"])
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert reverse("events:met", args=[event.pk]) in html
    client.force_login(world["ivy"])
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert reverse("events:met", args=[event.pk]) not in html


def test_hostile_form_and_query_values_never_500(client, world):
    """Junk in every form and query string of the prepare / met pages is a 4xx or a normal
    page, never a 500, and writes nothing it should not."""
    me, ana, event = world["me"], world["ana"], world["event"]
    client.force_login(me)
    junk = ["\x00", "x" * 20_000, "<script>", "-1", "9" * 40, "é漢字🩺", ""]
    posts = {
        reverse("events:prepare", args=[event.pk]): ["goal", "goal_tags"],
        reverse("events:met_mark", args=[event.pk, handle(ana)]): ["note"],
        reverse("events:met_connect", args=[event.pk, handle(ana)]): ["note"],
        reverse("events:follow_up", args=[event.pk]): ["state", "next"],
        reverse("events:met_unmark", args=[event.pk, handle(ana)]): ["next"],
    }
    for url, fields in posts.items():
        for value in junk:
            response = client.post(url, dict.fromkeys(fields, value))
            assert response.status_code < 500, (url, value[:20], response.status_code)
    for value in junk:
        for url in (
            reverse("events:prepare", args=[event.pk]),
            reverse("events:met", args=[event.pk]),
            reverse("events:recommended"),
        ):
            response = client.get(url, {"page": value, "q": value})
            assert response.status_code < 500, (url, value[:20])
    for bad in ("no-such-member", "a" * 60, handle(world["hugo"])):
        for name in ("events:met_mark", "events:met_connect", "events:met_unmark"):
            response = client.post(reverse(name, args=[event.pk, bad]))
            assert response.status_code == 404, (name, bad)
    assert not Interaction.objects.filter(other=world["hugo"]).exists()
