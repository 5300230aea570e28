"""Browser journeys of events, through the pages only.

1. An organizer in Chicago creates a networking event with one place in local Chicago time and
   publishes it; a member in Berlin finds it with a filter and sees the time in Berlin time,
   registers; a second member is waitlisted; the first cancels and the second is promoted and
   told; the .ics carries the event's own zone.
2. After an event that ended yesterday, a member writes a goal, sees who to meet and why, marks
   someone they met with a note, sends the prefilled connection request and ticks off the
   follow-up reminder on the home page.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from rounds.core.testing import clear_test_cache
from rounds.events.models import Event, MetAttendee, Registration
from rounds.events.tests.factories import make_event, make_past, register
from rounds.network.models import ConnectionRequest
from rounds.notifications.models import Notification
from rounds.profiles.models import Goal
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.context.clear_cookies()


def text_of(locator) -> str:
    """The rendered text with runs of whitespace collapsed."""
    return " ".join(locator.inner_text().split())


def registration_text(page) -> str:
    return text_of(page.locator("section[aria-labelledby='register-title']"))


def test_chicago_organizer_berlin_member_waitlist_promotion_and_ics(desktop_page, live_server):
    """Local Chicago times in the form; Berlin times for a Berlin member; capacity 1 holds:
    the second member is waitlisted and promoted when the first cancels; the .ics keeps the
    event's zone."""
    page = desktop_page
    ProfileFactory(user__email="organizer@example.org", display_name="Olivia Organizer")
    ProfileFactory(
        user__email="anna@example.org", user__time_zone="Europe/Berlin", display_name="Anna Berg"
    )
    bob = ProfileFactory(
        user__email="bob@example.org", user__time_zone="Europe/Berlin", display_name="Bob Brandt"
    ).user
    # Mid-January of next year: both zones on standard time (Chicago UTC−6, Berlin UTC+1), so
    # 18:30 in Chicago is 01:30 the next day in Berlin.
    year = timezone.now().year + 1
    start_chicago = datetime(year, 1, 15, 18, 30, tzinfo=CHICAGO)
    start_berlin = start_chicago.astimezone(BERLIN)
    assert (start_berlin.day, start_berlin.hour, start_berlin.minute) == (16, 1, 30)

    # The organizer sets their time zone on the settings page.
    sign_in(page, "organizer@example.org")
    page.goto("/settings/")
    page.get_by_role("combobox", name=re.compile(r"^Time zone")).select_option("America/Chicago")
    page.get_by_role("button", name="Save time zone").click()
    page.get_by_text("Time zone saved.").wait_for()

    # ...and creates the event in local Chicago time (the form defaults to their zone).
    page.goto("/events/")
    page.get_by_role("link", name="Create an event").first.click()
    assert page.get_by_label("Time zone of the times below").input_value() == "America/Chicago"
    page.get_by_label("Title").fill("Hospitalist mixer")
    page.get_by_label("Kind").select_option(label="Networking event")
    page.get_by_label("Description").fill("Meet the **night teams** over coffee.")
    page.get_by_label("Starts").fill(f"{year}-01-15T18:30")
    page.get_by_label("Ends").fill(f"{year}-01-15T20:30")
    page.get_by_label("Venue").fill("Lakeside Pavilion")
    page.get_by_role("textbox", name=re.compile(r"^City")).fill("Chicago")
    page.get_by_label("Capacity").fill("1")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved. Check it, then publish it.").wait_for()
    event = Event.objects.get(title="Hospitalist mixer")
    assert event.time_zone == "America/Chicago" and event.capacity == 1
    assert event.starts_at == start_chicago
    assert text_of(page.locator(".event-when")) == (
        f"{start_chicago:%A} 15 January {year}, 18:30 – 20:30 (America/Chicago)"
    )
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published: members can find the event and register.").wait_for()
    sign_out(page)

    # Anna, in Berlin, finds it with a filter and sees Berlin time, the event's own noted.
    sign_in(page, "anna@example.org")
    page.goto("/events/")
    page.get_by_label("Words in the title").fill("mixer")
    page.get_by_label("Kind").select_option(label="Networking event")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/events/\?.*q=mixer"))
    card = page.locator(".event-card", has_text="Hospitalist mixer")
    assert text_of(card.locator("p").first) == (
        f"{start_berlin:%a} 16 Jan {year}, 01:30 (18:30 America/Chicago) · Networking event"
    )
    card.get_by_role("link", name="Hospitalist mixer").click()
    page.wait_for_url(re.compile(rf"/events/{event.pk}/$"))
    assert text_of(page.locator(".event-when")) == (
        f"{start_berlin:%A} 16 January {year}, 01:30 – 03:30 (Europe/Berlin)"
    )
    assert text_of(page.locator(".event-zone")) == (
        f"Event time: {start_chicago:%a} 15 Jan {year}, 18:30 – "
        f"{start_chicago:%a} 15 Jan {year}, 20:30 (America/Chicago)"
    )
    page.get_by_role("button", name="I'm going").click()
    page.get_by_text("You are going. See you there.").wait_for()
    assert "You are going." in registration_text(page)
    assert "1 going of 1 places" in registration_text(page)

    # Her calendar file keeps the event's zone.
    href = page.get_by_role("link", name="Download .ics").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.body())
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "America/Chicago"
    assert vevent["DTSTART"].dt.replace(tzinfo=None) == datetime(year, 1, 15, 18, 30)
    assert vevent.decoded("DTSTART") == start_chicago
    assert vevent["DTEND"].params["TZID"] == "America/Chicago"
    assert "America/Chicago" in [tz["TZID"] for tz in calendar.walk("VTIMEZONE")]
    assert str(vevent["SUMMARY"]) == "Hospitalist mixer"
    sign_out(page)

    # Bob: the event is full, he joins the waitlist.
    sign_in(page, "bob@example.org")
    page.goto(f"/events/{event.pk}/")
    page.get_by_role("button", name="Join the waitlist").click()
    page.get_by_text("The event is full: you are on the waitlist.").wait_for()
    assert "You are on the waitlist (number 1)." in registration_text(page)
    sign_out(page)

    # Anna cancels: Bob is promoted.
    sign_in(page, "anna@example.org")
    page.goto(f"/events/{event.pk}/")
    page.get_by_role("button", name="Cancel my registration").click()
    page.get_by_text("Your registration is cancelled.").wait_for()
    assert "You are going." not in registration_text(page)
    sign_out(page)

    sign_in(page, "bob@example.org")
    page.goto(f"/events/{event.pk}/")
    assert "You are going." in registration_text(page)
    assert "1 going of 1 places" in registration_text(page)
    assert "on the waitlist" not in registration_text(page)
    promoted = Notification.objects.filter(recipient=bob, kind="event.waitlist_promoted")
    assert promoted.count() == 1
    page.goto("/notifications/")
    page.get_by_role(
        "link", name="A place opened up: you are going to “Hospitalist mixer”."
    ).wait_for()
    states = dict(Registration.objects.filter(event=event).values_list("user__email", "state"))
    assert states == {"anna@example.org": "cancelled", "bob@example.org": "going"}


def test_prepare_meet_note_connect_and_follow_up(desktop_page, live_server):
    """A member who went to yesterday's event sets a goal, sees who to meet and why, marks
    someone met with a note, sends the prefilled connection request, and the home page
    reminder goes away after "Done"."""
    page = desktop_page
    clear_test_cache()
    # Transactional tests empty the tables between tests: make sure the curated goal exists.
    qi, _ = Goal.objects.get_or_create(
        slug="quality-improvement", defaults={"name": "Quality improvement", "curated": True}
    )
    me = ProfileFactory(user__email="maya@example.org", display_name="Maya Lin").user
    quinn = ProfileFactory(
        display_name="Quinn Researcher", handle="quinn", headline="Sepsis outcomes researcher"
    )
    quinn.goals.add(qi)
    rosa = ProfileFactory(display_name="Rosa Diaz", handle="rosa", headline="Hospitalist")
    rosa.goals.add(qi)
    sam = ProfileFactory(display_name="Sam Quiet", handle="sam", headline="Radiologist")
    event = make_event(title="Sepsis summit")
    for user in (me, quinn.user, rosa.user, sam.user):
        register(event, user)
    make_past(event, ago=timedelta(days=1))

    sign_in(page, "maya@example.org")
    page.goto("/")
    reminder = page.locator(f"#follow-up-{event.pk}")
    assert "Sepsis summit" in text_of(reminder)

    # Prepare: from the event page to the goal form.
    page.goto(f"/events/{event.pk}/")
    page.get_by_role("link", name="Set a goal and see who to meet").click()
    page.get_by_label("Your goal for this event").fill("Meet people doing sepsis research")
    page.get_by_label("Quality improvement").check()
    page.get_by_role("button", name="Save my goal").click()
    page.get_by_text("Your goal is saved. Here is who to meet.").wait_for()
    assert Registration.objects.get(event=event, user=me).goal == (
        "Meet people doing sepsis research"
    )
    who = page.locator("#who-to-meet")
    matches = who.locator("li.rec-item")
    first = matches.first
    assert "Quinn Researcher" in text_of(first)
    assert "Also works on Quality improvement" in text_of(first)
    assert "from your goal" in text_of(first)
    rosa_card = matches.filter(has_text="Rosa Diaz")
    assert "Also works on Quality improvement" in text_of(rosa_card)

    # People I met: mark Quinn, then write a private note.
    who.get_by_role("link", name="People I met").click()
    page.wait_for_url(re.compile(rf"/events/{event.pk}/met/$"))
    page.get_by_role("button", name="I met Quinn Researcher").click()
    page.get_by_text("Marked Quinn Researcher as someone you met.").wait_for()
    page.get_by_role("link", name="Add a note on Quinn Researcher").click()
    page.get_by_label("Your private note").fill("Shares her sepsis bundle audit in March.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Your note is saved.").wait_for()
    met_card = page.locator("#met-quinn")
    assert "Shares her sepsis bundle audit in March." in text_of(met_card)
    mark = MetAttendee.objects.get()
    assert mark.note == "Shares her sepsis bundle audit in March."

    # The connection request goes with the prefilled note.
    met_card.get_by_text("Connect with a personal note").click()
    prefill = met_card.get_by_label("Personal note").input_value()
    assert prefill == (
        "Hi Quinn, it was good to meet you at Sepsis summit. I would like to stay in touch."
    )
    met_card.get_by_role("button", name="Connect with Quinn Researcher").click()
    page.get_by_text("Connection request sent to Quinn Researcher.").wait_for()
    assert "A connection request between you is waiting for an answer." in text_of(
        page.locator("#met-quinn")
    )
    request = ConnectionRequest.objects.get()
    assert (request.sender_id, request.recipient_id) == (me.pk, quinn.user_id)
    assert request.note == prefill

    # Home: the reminder counts the person marked; "Done" makes it go away.
    page.goto("/")
    reminder = page.locator(f"#follow-up-{event.pk}")
    assert "you marked 1 person" in text_of(reminder)
    reminder.get_by_role("button", name="Done with Sepsis summit").click()
    page.get_by_text("Follow-up done. Well met!").wait_for()
    assert page.locator(f"#follow-up-{event.pk}").count() == 0
    assert page.get_by_role("heading", name="Follow up on your events").count() == 0
    assert Registration.objects.get(event=event, user=me).follow_up == "done"
