"""XSS: every hostile payload of the shared corpus, in every text field of events (title,
description, venue, address, city, country, cancel reason, moderation reason, shift title,
skill, the organizer's and attendees' names and headlines), renders with no executable construct
on the lists, the event page, the roster, the edit forms and in the API's HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.markdown import render_markdown
from rounds.core.testing import executable_constructs
from rounds.core.tests.api_client import api_as
from rounds.core.tests.xss_corpus import XSS_PAYLOADS
from rounds.events.models import Event, EventShift, EventSkill, Registration
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def assert_page_safe(html: str, what: str) -> None:
    main = html[html.index('<main id="main"') : html.index("</main>")]
    found = [item for item in executable_constructs(main) if item not in {"<form>", "<svg>"}]
    assert not found, f"{what}: {found}"
    assert main.count("<form") == main.count('<form method="'), what
    assert main.count("<svg") == main.count('<svg class="icon"'), what


@pytest.fixture
def hostile(db):
    """One event per payload (every text field holds it), organized by a member whose name is
    the payload, with an attendee whose name and headline are the payload."""
    organizer = ProfileFactory(display_name=XSS_PAYLOADS[0][:120], headline=XSS_PAYLOADS[1][:160])
    attendee = ProfileFactory(display_name=XSS_PAYLOADS[2][:120], headline=XSS_PAYLOADS[3][:160])
    start = timezone.now() + timedelta(days=3)
    events = []
    for index, payload in enumerate(XSS_PAYLOADS):
        event = Event.objects.create(
            title=payload[:200],
            description=payload,
            description_html=render_markdown(payload, links=True),
            kind="volunteering",
            state="published" if index % 2 == 0 else "cancelled",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            venue=payload[:200],
            address=payload[:300],
            city=payload[:100],
            country=payload[:100],
            cancel_reason=payload[:500],
            moderation_reason=payload[:500],
            organizer=organizer.user,
            going_count=1,
        )
        EventSkill.objects.create(event=event, slug=f"s{index}", name=payload[:50])
        EventShift.objects.create(
            event=event, title=payload[:120], starts_at=start, ends_at=start + timedelta(hours=1)
        )
        Registration.objects.create(event=event, user=attendee.user, state="going")
        events.append(event)
    return organizer.user, attendee.user, events


def test_pages_are_safe(client, hostile):
    organizer, attendee, events = hostile
    for viewer in (None, attendee, organizer):
        if viewer is not None:
            client.force_login(viewer)
        assert_page_safe(client.get("/events/").content.decode(), "list")
        assert_page_safe(client.get("/events/?page=2").content.decode(), "list page 2")
        for event in events[:: max(1, len(events) // 20)]:
            html = client.get(f"/events/{event.pk}/").content.decode()
            assert_page_safe(html, f"detail {event.pk}")
            if viewer is not None:
                html = client.get(f"/events/{event.pk}/roster/").content.decode()
                assert_page_safe(html, f"roster {event.pk}")
    client.force_login(organizer)
    for section in ("organizing", "going", "past"):
        assert_page_safe(client.get(f"/events/mine/?section={section}").content.decode(), section)
    event = events[0]
    for suffix in ("edit/", "cancel/", "organizers/", "shifts/", "attendance/"):
        html = client.get(f"/events/{event.pk}/{suffix}").content.decode()
        assert_page_safe(html, suffix)
    Event.objects.filter(pk=event.pk).update(moderation_state="hidden")
    assert_page_safe(client.get(f"/events/{event.pk}/").content.decode(), "hidden")


def test_every_payload_on_the_event_page(client, hostile):
    _organizer, attendee, events = hostile
    client.force_login(attendee)
    for event in events:
        assert_page_safe(client.get(f"/events/{event.pk}/").content.decode(), f"{event.pk}")


def test_api_html_is_safe(hostile):
    _organizer, attendee, events = hostile
    api = api_as(attendee)
    for event in events:
        body = api.get(f"/events/{event.pk}").json()
        assert not executable_constructs(body["description_html"]), body["description_html"]
