"""The cached roster (``rosters``) and the cached event and roster pages (issue 7, bench).

Every test warms the caches first (the page or API is read once), then changes something
through the services and reads again: the change must show at once — never the cached rows
or page of before. Who sees whom stays the roster's rules (consent, blocks, organizers)."""

from __future__ import annotations

import pytest
from django.test import Client

from rounds.core.testing import clear_test_cache
from rounds.core.tests.api_client import api_as
from rounds.events import rosters, selectors, services
from rounds.events.access import read_event
from rounds.events.views import ROSTER_PREVIEW

from .factories import attend, fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db


def _page(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _roster_page(user, event, query: str = "") -> str:
    return _page(user, f"/events/{event.pk}/roster/{query}")


def _event_page(user, event) -> str:
    return _page(user, f"/events/{event.pk}/")


def _api_handles(user, event, **params) -> dict[str, str]:
    body = api_as(user).get(f"/events/{event.pk}/roster", params).json()
    return {row["member"]["handle"]: row["state"] for row in body["items"]}


def _world():
    clear_test_cache()
    organizer = new_user()
    event = make_event(organizer, capacity=10)
    viewer, other = new_user(display_name="Vera Viewer"), new_user(display_name="Otto Other")
    register(event, viewer)
    register(event, other)
    return organizer, event, viewer, other


def test_a_new_registrant_shows_at_once():
    """A registration after the roster was cached is on the page, the API and the faces."""
    organizer, event, viewer, _other = _world()
    newcomer = new_user(display_name="Nina Newcomer")
    for user in (viewer, organizer):
        assert "Nina Newcomer" not in _roster_page(user, event)
        assert "Nina Newcomer" not in _event_page(user, event)
        assert newcomer.profile.handle not in _api_handles(user, event)
    register(event, newcomer)
    for user in (viewer, organizer):
        assert "Nina Newcomer" in _roster_page(user, event)
        assert "Nina Newcomer" in _event_page(user, event)
        assert newcomer.profile.handle in _api_handles(user, event)


def test_a_cancellation_shows_at_once():
    """A cancelled registrant leaves the roster and the faces of everyone's cached pages."""
    organizer, event, viewer, other = _world()
    for user in (viewer, organizer):
        assert "Otto Other" in _roster_page(user, event)
        assert "Otto Other" in _event_page(user, event)
    services.registration_cancel(actor=other, event=fresh(event))
    for user in (viewer, organizer):
        assert "Otto Other" not in _roster_page(user, event)
        assert "Otto Other" not in _event_page(user, event)
        assert other.profile.handle not in _api_handles(user, event)


def test_a_consent_change_shows_at_once():
    """Hiding oneself takes one off other registrants' roster at once; organizers still see
    them, marked; choosing to be listed again brings them back."""
    organizer, event, viewer, other = _world()
    assert "Otto Other" in _roster_page(viewer, event)
    assert "Otto Other" in _event_page(viewer, event)
    assert "not listed to other registrants" not in _roster_page(organizer, event)
    services.registration_set_visibility(
        actor=other, event=fresh(event), roster_visibility="hidden"
    )
    assert "Otto Other" not in _roster_page(viewer, event)
    assert "Otto Other" not in _event_page(viewer, event)
    assert other.profile.handle not in _api_handles(viewer, event)
    assert "not listed to other registrants" in _roster_page(organizer, event)
    assert "hidden from other registrants" in _event_page(organizer, event)
    assert other.profile.handle in _api_handles(organizer, event)
    # the hidden member still sees themselves
    assert "Otto Other" in _roster_page(other, event)
    services.registration_set_visibility(
        actor=other, event=fresh(event), roster_visibility="registrants"
    )
    assert "Otto Other" in _roster_page(viewer, event)
    assert other.profile.handle in _api_handles(viewer, event)


def test_a_rename_and_a_deactivation_show_at_once():
    """The roster follows its members' profiles (name) and accounts (deactivated: gone)."""
    from rounds.profiles.services import profile_update

    organizer, event, viewer, other = _world()
    assert "Otto Other" in _roster_page(viewer, event)
    profile_update(actor=other, profile=other.profile, changes={"display_name": "Otto Renamed"})
    page = _roster_page(viewer, event)
    assert "Otto Renamed" in page and "Otto Other" not in page
    assert "Otto Renamed" in _event_page(viewer, event)
    other.is_active = False
    other.save(update_fields=["is_active"])
    assert "Otto Renamed" not in _roster_page(viewer, event)
    assert "Otto Renamed" not in _roster_page(organizer, event)
    assert "Otto Renamed" not in _event_page(viewer, event)
    assert other.profile.handle not in _api_handles(organizer, event)


def test_a_block_shows_at_once():
    """A block either way takes the member off the viewer's roster and faces at once."""
    from rounds.network.services import block

    _organizer, event, viewer, other = _world()
    assert "Otto Other" in _roster_page(viewer, event)
    assert "Otto Other" in _event_page(viewer, event)
    block(actor=other, blocked=viewer)
    assert "Otto Other" not in _roster_page(viewer, event)
    assert "Otto Other" not in _event_page(viewer, event)
    assert other.profile.handle not in _api_handles(viewer, event)
    assert "Vera Viewer" not in _roster_page(other, event)


def test_attendance_and_the_viewers_own_registration_show_at_once():
    """Marking attendance changes the state shown; the viewer's own state on the event page
    follows their registration (interested → going)."""
    organizer, event, _viewer, other = _world()
    curious = new_user(display_name="Cleo Curious")
    register(event, curious, state="interested")
    page = _event_page(curious, event)
    assert "You are interested." in page
    services.register(actor=curious, event=fresh(event), state="going")
    assert "You are going." in _event_page(curious, event)
    attend(event, other, organizer=organizer)
    assert "Attended" in _roster_page(organizer, event, "?state=going")


def test_an_edit_shows_at_once_on_the_event_and_roster_pages():
    """An event edit (title) is on both cached pages at once."""
    organizer, event, viewer, _other = _world()
    assert "Old enough" not in _event_page(viewer, event)
    _roster_page(viewer, event)
    services.event_update(actor=organizer, event=fresh(event), changes={"title": "Old enough"})
    assert "Old enough" in _event_page(viewer, event)
    assert "Old enough" in _roster_page(viewer, event)


def test_the_cached_roster_equals_the_query():
    """``rosters.visible_entries`` and ``preview_entries`` give the rows (and order) of
    ``selectors.roster`` and ``selectors.roster_preview`` for organizers, registrants and
    states, hidden and blocked members included."""
    from rounds.network.services import block

    organizer, event, viewer, _other = _world()
    names = ["Zed", "Amy", "amy", "Émile", "Bob", "Amy"]
    for index, name in enumerate(names):
        user = new_user(display_name=name)
        register(
            event,
            user,
            state="interested" if index % 3 == 2 else "going",
            roster_visibility="hidden" if index % 2 else "registrants",
        )
    blocked = new_user(display_name="Blocked")
    register(event, blocked)
    block(actor=viewer, blocked=blocked)
    for user in (organizer, viewer):
        loaded = read_event(user, event.pk)
        snapshot = rosters.roster_snapshot(loaded)
        for state in ("", "going", "interested", "waitlisted"):
            expected = [
                row.pk for row in selectors.roster(viewer=user, event=fresh(event), state=state)
            ]
            got = [
                e.registration_id
                for e in rosters.visible_entries(snapshot, viewer=user, event=loaded, state=state)
            ]
            assert got == expected, (user, state)
        expected_faces = [
            row.user.profile.handle
            for row in selectors.roster_preview(
                viewer=user, event=fresh(event), limit=ROSTER_PREVIEW + 1
            )
        ]
        faces = [
            e.handle
            for e in rosters.preview_entries(
                snapshot, viewer=user, event=loaded, limit=ROSTER_PREVIEW + 1
            )
        ]
        assert faces == expected_faces, user


def test_the_event_is_read_with_the_account_and_still_gated():
    """The event, roster and prepare pages read the event with the viewer's account in one
    statement (``read_event_prefetch``); an event the viewer may not see is still a 404."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organizer, event, viewer, _other = _world()
    draft = make_event(organizer, publish=False, title="Secret draft")
    client = Client()
    client.force_login(viewer)
    for path in (f"/events/{event.pk}/", f"/events/{event.pk}/roster/"):
        client.get(path)  # warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        together = [
            q["sql"] for q in queries if "accounts_user" in q["sql"] and "events_event" in q["sql"]
        ]
        assert len(together) == 1, [q["sql"][:80] for q in queries]
    for path in (f"/events/{draft.pk}/", f"/events/{draft.pk}/roster/", "/events/999999/"):
        assert client.get(path).status_code == 404
    prepare = client.get(f"/events/{event.pk}/prepare/")
    assert prepare.status_code == 200
