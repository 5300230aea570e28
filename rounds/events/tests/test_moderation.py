"""Events are reportable (kind "event"): a hidden event vanishes from lists and its page."""

from __future__ import annotations

import pytest

from rounds.core.tests.api_client import ApiClient
from rounds.moderation import services as moderation
from rounds.moderation.registry import ModerationState

from .factories import fresh, make_event, new_user

pytestmark = pytest.mark.django_db


def test_report_and_hide_an_event(client):
    organizer, reporter, staff = new_user(), new_user(), new_user()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    event = make_event(organizer, title="Buy my supplements")
    client.force_login(reporter)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f"/report/event/{event.pk}/" in page
    report = moderation.report_create(
        actor=reporter, kind="event", target_id=event.pk, reason="spam"
    )
    assert report.target_author_id == organizer.pk
    moderation.report_act(actor=staff, report=report, action="hide", reason="Advertising")
    assert fresh(event).moderation_state == ModerationState.HIDDEN
    assert "Buy my supplements" not in client.get("/events/").content.decode()
    assert client.get(f"/events/{event.pk}/").status_code == 404
    assert ApiClient().get(f"/events/{event.pk}").status_code == 404
    assert event.pk not in [e["id"] for e in ApiClient().get("/events").json()["items"]]
    client.force_login(organizer)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Hidden by the moderators" in page and "Advertising" in page


def test_cannot_report_what_you_cannot_see():
    from rounds.core.errors import NotFound

    draft = make_event(publish=False)
    with pytest.raises(NotFound):
        moderation.report_create(actor=new_user(), kind="event", target_id=draft.pk, reason="spam")
