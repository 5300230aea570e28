"""``access.read_event`` (the read pages' compiled gatekeeper) against ``access.access_event``:
the same answer (the event, or NotFound) for every kind of viewer and event, the same values,
the same viewer state for ``policies``; one query for an event outside a group."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from rounds.community.tests.factories import add_member, make_group
from rounds.core.errors import NotFound
from rounds.events import policies, services
from rounds.events.access import EVENT_FOR_READ, access_event, read_event
from rounds.events.models import Event
from rounds.network.services import block

from .factories import fresh, make_event, new_user, register

pytestmark = pytest.mark.django_db


def _snapshot(viewer, event: Event) -> dict[str, object]:
    organizer = event.organizer
    profile = getattr(organizer, "profile", None) if organizer is not None else None
    registration = policies.registration_of(viewer, event)
    return {
        **{f.attname: getattr(event, f.attname) for f in Event._meta.concrete_fields},
        "organizer": (profile.handle, profile.display_name) if profile else organizer,
        "organization": (event.organization.slug, event.organization.name)
        if event.organization
        else None,
        "registration": {
            f.attname: getattr(registration, f.attname) for f in registration._meta.concrete_fields
        }
        if registration
        else None,
        "rights": [
            check(viewer, event)
            for check in (
                policies.is_organizer,
                policies.can_edit,
                policies.can_cancel,
                policies.is_registrant,
                policies.can_see_roster,
                policies.can_see_join_link,
                policies.can_register,
            )
        ],
    }


def _answer(load, viewer, pk):
    try:
        event = load(viewer, pk)
    except NotFound:
        return "404"
    return _snapshot(viewer, event)


def test_read_event_answers_as_access_event():
    EVENT_FOR_READ.forget()
    owner, co, going, hidden, interested, stranger = (new_user() for _ in range(6))
    blocked, blocker = new_user(), new_user()
    staff = new_user()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    private = make_group(visibility="private")
    add_member(private, going)
    from rounds.community.models import GroupMembership

    group_owner = GroupMembership.objects.get(group=private, role="owner").user
    event = make_event(owner, join_url="https://meet.example.org/x", is_online=True)
    services.co_organizer_add(actor=owner, event=fresh(event), handle=co.profile.handle)
    register(event, going)
    register(event, hidden, roster_visibility="hidden")
    register(event, interested, state="interested")
    block(actor=blocked, blocked=owner)
    block(actor=owner, blocked=blocker)
    draft = make_event(owner, publish=False)
    cancelled = make_event(owner)
    register(cancelled, going)
    services.event_cancel(actor=owner, event=fresh(cancelled), reason="Snow")
    moderated = make_event(owner)
    Event.objects.filter(pk=moderated.pk).update(
        moderation_state="hidden", moderation_reason="Spam"
    )
    grouped = make_event(group_owner, group=private.slug)
    orphan = make_event(new_user())
    Event.objects.filter(pk=orphan.pk).update(organizer=None)
    from rounds.profiles.tests.factories import OrganizationFactory

    organization = OrganizationFactory(name="Riverside Community Hospital")
    if organization is not None:
        Event.objects.filter(pk=cancelled.pk).update(organization=organization)
    viewers = [AnonymousUser(), owner, co, going, hidden, interested, stranger, blocked, blocker]
    viewers.append(staff)
    for pk in (event.pk, draft.pk, cancelled.pk, moderated.pk, grouped.pk, orphan.pk, 10**9):
        for viewer in viewers:
            assert _answer(read_event, viewer, pk) == _answer(access_event, viewer, pk), (
                pk,
                viewer,
            )
    for junk in ("x", -1, 0, 2**63):
        with pytest.raises(NotFound):
            read_event(going, junk)


def test_read_event_is_one_query():
    event = make_event()
    viewer = new_user()
    register(event, viewer)
    read_event(viewer, event.pk)  # compiled
    with CaptureQueriesContext(db_connection) as queries:
        loaded = read_event(viewer, event.pk)
        policies.can_see_roster(viewer, loaded)
        assert loaded.organizer.profile.display_name
    assert len(queries) == 1, [q["sql"] for q in queries]
    with CaptureQueriesContext(db_connection) as queries:
        read_event(AnonymousUser(), event.pk)
    assert len(queries) == 1


def test_page_reads_equal_the_selectors():
    """``page.details`` and ``page.roster_preview`` against the ORM (``event_details``,
    ``co_organizers``, ``selectors.roster_preview``) for organizers, registrants (listed,
    hidden, interested), strangers and blocked members."""
    from rounds.events import page, selectors
    from rounds.profiles.models import Interest, Specialty

    page.PREVIEW_ROWS.forget()
    specialty = Specialty.objects.order_by("pk").first()
    topic = Interest.objects.order_by("pk").first()
    owner, co = new_user(), new_user()
    event = make_event(
        owner,
        kind="volunteering",
        specialties=[specialty.slug],
        topics=[topic.slug],
        skills=["Spanish", "Phlebotomy"],
        capacity=50,
    )
    services.co_organizer_add(actor=owner, event=fresh(event), handle=co.profile.handle)
    members = [new_user() for _ in range(8)]
    for index, member in enumerate(members):
        register(
            event,
            member,
            state="interested" if index == 5 else "going",
            roster_visibility="hidden" if index % 3 == 0 else "registrants",
        )
    services.shift_add(
        actor=owner,
        event=fresh(event),
        title="Morning",
        starts_at=event.starts_at,
        ends_at=event.starts_at + (event.ends_at - event.starts_at) / 2,
    )
    block(actor=members[1], blocked=members[2])
    members[4].is_active = False
    members[4].save(update_fields=["is_active"])
    stranger = new_user()
    for viewer in (owner, co, *members[:4], members[5], stranger):
        loaded = read_event(viewer, event.pk)
        reference = selectors.event_details(access_event(viewer, event.pk))
        shown = page.details(loaded)
        assert [s.slug for s in shown.specialties] == [s.slug for s in reference.specialties.all()]
        assert [(s.slug, s.name) for s in shown.topics] == [
            (t.slug, t.name) for t in reference.topics.all()
        ]
        assert [(s.slug, s.name) for s in shown.skills] == [
            (s.slug, s.name) for s in reference.skills.all()
        ]
        assert [(s.pk, s.title, s.going_count) for s in shown.shifts] == [
            (s.pk, s.title, s.going_count) for s in reference.shifts.all()
        ]
        assert [(r.handle, r.display_name) for r in shown.co_organizers] == [
            (row.user.profile.handle, row.user.profile.display_name)
            for row in selectors.co_organizers(event=reference)
        ]
        faces = (
            page.roster_preview(viewer=viewer, event=loaded, limit=13)
            if policies.can_see_roster(viewer, loaded)
            else []
        )
        expected = (
            selectors.roster_preview(viewer=viewer, event=reference, limit=13)
            if policies.can_see_roster(viewer, reference)
            else []
        )
        assert [(f.handle, f.roster_visibility) for f in faces] == [
            (row.user.profile.handle, row.roster_visibility) for row in expected
        ], viewer
    # organizers see hidden registrants; a registrant never sees hidden ones nor blocked ones
    owner_view = page.roster_preview(viewer=owner, event=read_event(owner, event.pk), limit=13)
    assert members[0].profile.handle in {f.handle for f in owner_view}
    viewer_view = {
        f.handle
        for f in page.roster_preview(
            viewer=members[1], event=read_event(members[1], event.pk), limit=13
        )
    }
    assert members[0].profile.handle not in viewer_view  # hidden
    assert members[2].profile.handle not in viewer_view  # blocked
    assert members[4].profile.handle not in viewer_view  # deactivated
    assert members[7].profile.handle in viewer_view


def test_event_page_and_api_follow_edits_of_what_they_show():
    """The cached tags follow an edit; co-organizers, shifts and names are read live."""
    from django.test import Client

    from rounds.core.tests.api_client import api_as
    from rounds.profiles.models import Specialty

    first, second = Specialty.objects.order_by("pk")[:2]
    owner, co, viewer = new_user(), new_user(display_name="Zora Quill"), new_user()
    event = make_event(owner, kind="volunteering", specialties=[first.slug])
    register(event, viewer)
    client = Client()
    client.force_login(viewer)
    api = api_as(viewer)

    def shown() -> tuple[str, dict]:
        return (
            client.get(f"/events/{event.pk}/").content.decode(),
            api.get(f"/events/{event.pk}").json(),
        )

    html, body = shown()
    assert first.name in html and body["specialties"] == [first.slug]
    assert body["co_organizers"] == [] and body["shifts"] == []
    services.event_update(actor=owner, event=fresh(event), changes={"specialties": [second.slug]})
    html, body = shown()
    assert second.name in html and first.name not in html
    assert body["specialties"] == [second.slug]
    services.co_organizer_add(actor=owner, event=fresh(event), handle=co.profile.handle)
    services.shift_add(
        actor=owner,
        event=fresh(event),
        title="Evening shift",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    html, body = shown()
    assert "Zora Quill" in html and "Evening shift" in html
    assert [ref["display_name"] for ref in body["co_organizers"]] == ["Zora Quill"]
    assert [shift["title"] for shift in body["shifts"]] == ["Evening shift"]
    from rounds.profiles.models import Profile

    Profile.objects.filter(user=co).update(display_name="Zora Renamed")
    html, body = shown()
    assert "Zora Renamed" in html and body["co_organizers"][0]["display_name"] == "Zora Renamed"
    services.co_organizer_remove(actor=owner, event=fresh(event), user_id=co.pk)
    html, body = shown()
    assert "Zora Renamed" not in html and body["co_organizers"] == []
