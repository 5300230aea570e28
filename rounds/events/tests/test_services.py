"""Event services: create/edit/publish/cancel, validation, co-organizers, shifts, the guard."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from rounds.core.errors import Conflict, ContentBlocked, Forbidden, ValidationFailed
from rounds.core.models import AuditEntry
from rounds.events import services
from rounds.events.models import Event, EventOrganizer
from rounds.network.services import block
from rounds.notifications.models import Notification
from rounds.profiles.tests.factories import AffiliationFactory

from .factories import fresh, make_event, make_past, new_user, register

pytestmark = pytest.mark.django_db


def soon(days=5):
    return timezone.now() + timedelta(days=days)


def create(actor, **fields):
    start = fields.pop("starts_at", soon())
    return services.event_create(
        actor=actor,
        title=fields.pop("title", "Journal club"),
        starts_at=start,
        ends_at=fields.pop("ends_at", None) or start + timedelta(hours=1),
        **{"city": "Chicago", **fields},
    )


def test_create_is_a_draft_with_rendered_markdown_and_audit():
    user = new_user()
    event = create(
        user,
        description="See [the agenda](https://example.org/a) <script>x</script>",
        cme_credits="1.25",
        skills="Spanish, phlebotomy, spanish",
    )
    assert event.state == "draft" and event.organizer == user
    assert 'rel="nofollow noopener ugc"' in event.description_html
    assert "<script>" not in event.description_html
    assert event.cme_credits == Decimal("1.25")
    assert sorted(event.skills.values_list("slug", flat=True)) == ["phlebotomy", "spanish"]
    assert AuditEntry.objects.filter(action="events.create", target_id=str(event.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"kind": "party"}, "kind"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"starts_at": "not a date", "ends_at": "2030-01-01T10:00"}, "starts_at"),
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at"),
        ({"starts_at": timezone.now() + timedelta(days=5 * 365)}, "starts_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"cme_credits": "-1"}, "cme_credits"),
        ({"cme_credits": "NaN"}, "cme_credits"),
        ({"join_url": "ftp://example.org"}, "join_url"),
        ({"city": "", "venue": ""}, "venue"),
        ({"specialties": ["not-a-specialty"]}, "specialties"),
        ({"topics": ["not-a-topic"]}, "topics"),
        ({"skills": ["<b>bold</b>"]}, "skills"),
        ({"organization": "nowhere"}, "organization"),
        ({"description": "a\x00b"}, "description"),
    ],
)
def test_create_validation(fields, field):
    with pytest.raises(ValidationFailed) as exc:
        create(new_user(), **fields)
    assert field in exc.value.errors
    assert not Event.objects.exists()


def test_end_before_start_and_too_long():
    start = soon()
    with pytest.raises(ValidationFailed):
        create(new_user(), starts_at=start, ends_at=start - timedelta(minutes=1))
    with pytest.raises(ValidationFailed):
        create(new_user(), starts_at=start, ends_at=start + timedelta(days=40))
    with pytest.raises(ValidationFailed):
        create(
            new_user(),
            starts_at=start,
            registration_deadline=start + timedelta(days=2),
        )


def test_organization_only_where_the_member_works():
    user = new_user()
    affiliation = AffiliationFactory(user=user)
    event = create(user, organization=affiliation.organization.slug)
    assert event.organization == affiliation.organization
    stranger = new_user()
    with pytest.raises(ValidationFailed):
        create(stranger, organization=affiliation.organization.slug)


def test_guard_blocks_patient_information_in_title():
    with pytest.raises(ContentBlocked):
        create(new_user(), title="Case of John Smith, DOB 03/14/1956, MRN 00123456")
    assert not Event.objects.exists()


def test_publish_rules():
    user = new_user()
    event = create(user)
    with pytest.raises(Forbidden):
        services.event_publish(actor=new_user(), event=fresh(event))
    services.event_publish(actor=user, event=fresh(event))
    with pytest.raises(Conflict):
        services.event_publish(actor=user, event=fresh(event))
    draft = create(user)
    Event.objects.filter(pk=draft.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now()
    )
    with pytest.raises(Conflict):
        services.event_publish(actor=user, event=fresh(draft))


def test_update_notifies_on_time_or_place_only():
    user = new_user()
    event = make_event(user)
    going = new_user()
    register(event, going)
    services.event_update(actor=user, event=fresh(event), changes={"description": "More"})
    assert not Notification.objects.filter(recipient=going, kind="event.update").exists()
    services.event_update(actor=user, event=fresh(event), changes={"venue": "Room 4"})
    assert Notification.objects.filter(recipient=going, kind="event.update").count() == 1
    with pytest.raises(ValidationFailed):
        services.event_update(actor=user, event=fresh(event), changes={"organizer": 1})


def test_cancelled_and_past_events_cannot_be_edited_or_cancelled():
    user = new_user()
    past = make_past(make_event(user))
    with pytest.raises(Conflict):
        services.event_update(actor=user, event=fresh(past), changes={"title": "New"})
    with pytest.raises(Conflict):
        services.event_cancel(actor=user, event=fresh(past))
    event = make_event(user)
    services.event_cancel(actor=user, event=fresh(event), reason="Weather")
    with pytest.raises(Conflict):
        services.event_update(actor=user, event=fresh(event), changes={"title": "New"})


def test_cancel_a_draft_tells_nobody():
    user = new_user()
    draft = make_event(user, publish=False)
    services.event_cancel(actor=user, event=fresh(draft))
    assert fresh(draft).state == "cancelled"
    assert not Notification.objects.filter(kind="event.cancelled").exists()


def test_co_organizers():
    user = new_user()
    event = make_event(user)
    helper = new_user()
    services.co_organizer_add(actor=user, event=fresh(event), handle=f"@{helper.profile.handle}")
    assert Notification.objects.filter(recipient=helper, kind="event.update").exists()
    with pytest.raises(Conflict):
        services.co_organizer_add(actor=user, event=fresh(event), handle=helper.profile.handle)
    with pytest.raises(Conflict):
        services.co_organizer_add(actor=user, event=fresh(event), handle=user.profile.handle)
    with pytest.raises(ValidationFailed):
        services.co_organizer_add(actor=user, event=fresh(event), handle="nobody-at-all")
    blocked = new_user()
    block(actor=blocked, blocked=user)
    user = type(user).objects.get(pk=user.pk)  # a new request: blocks are read again
    with pytest.raises(ValidationFailed):
        services.co_organizer_add(actor=user, event=fresh(event), handle=blocked.profile.handle)
    # A co-organizer manages, but a stranger does not.
    services.event_update(actor=helper, event=fresh(event), changes={"title": "Renamed"})
    with pytest.raises(Forbidden):
        services.co_organizer_add(actor=new_user(), event=fresh(event), handle="x")
    # They step down themselves.
    services.co_organizer_remove(actor=helper, event=fresh(event), user_id=helper.pk)
    assert not EventOrganizer.objects.exists()


def test_co_organizer_limit():
    user = new_user()
    event = make_event(user)
    for _ in range(10):
        services.co_organizer_add(actor=user, event=fresh(event), handle=new_user().profile.handle)
    with pytest.raises(Conflict):
        services.co_organizer_add(actor=user, event=fresh(event), handle=new_user().profile.handle)


def test_shifts_only_for_volunteering_and_within_the_event():
    user = new_user()
    event = make_event(user)
    e = fresh(event)
    with pytest.raises(ValidationFailed):
        services.shift_add(actor=user, event=e, title="A", starts_at=e.starts_at, ends_at=e.ends_at)
    volunteering = fresh(make_event(user, kind="volunteering"))
    with pytest.raises(ValidationFailed):
        services.shift_add(
            actor=user,
            event=volunteering,
            title="Too early",
            starts_at=volunteering.starts_at - timedelta(hours=1),
            ends_at=volunteering.ends_at,
        )
    shift = services.shift_add(
        actor=user,
        event=volunteering,
        title="All day",
        starts_at=volunteering.starts_at,
        ends_at=volunteering.ends_at,
        capacity=2,
    )
    services.shift_delete(actor=user, event=fresh(volunteering), shift_id=shift.pk)
    assert not volunteering.shifts.exists()


def test_reminders_once_per_member_and_event():
    from django.core.management import call_command

    event = make_event(starts_in=timedelta(hours=5), time_zone="America/Chicago")
    later = make_event(starts_in=timedelta(days=3))
    going, curious = new_user(), new_user()
    register(event, going)
    register(event, curious, state="interested")
    register(later, going)
    assert services.event_reminders_send() == 1
    note = Notification.objects.get(kind="event.reminder")
    assert note.recipient == going and note.url == f"/events/{event.pk}/"
    assert "America/Chicago" in note.text
    assert services.event_reminders_send() == 0
    call_command("send_event_reminders", "--hours", "96")
    assert Notification.objects.filter(kind="event.reminder").count() == 2
