"""Due dates count calendar days in the member's time zone (``User.time_zone``, activated for
pages by MemberTimeZoneMiddleware), not whole 24-hour periods since ``due_at``: a contact that
fell due late yesterday evening is one day overdue, one due tomorrow morning is due in one day.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.contacts.models import Contact
from rounds.contacts.selectors import days_overdue, due_list_for

from .factories import add_contact

pytestmark = pytest.mark.django_db

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
UTC = dt.UTC
#: Thursday 26 November 2026, 20:00 UTC = 12:00 in Los Angeles.
NOW = dt.datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


def _due(owner, name: str, due_at: dt.datetime) -> Contact:
    contact = add_contact(owner, name)
    Contact.objects.filter(pk=contact.pk).update(due_at=due_at)
    return contact


def test_days_overdue_counts_local_calendar_days():
    # Fell due 25 Nov 22:00 in Los Angeles (26 Nov 06:00 UTC): 14 hours ago.
    yesterday_evening = dt.datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    # Falls due 27 Nov 17:00 in Los Angeles (28 Nov 01:00 UTC): in 29 hours.
    tomorrow = dt.datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    with timezone.override(LA):
        assert days_overdue(yesterday_evening, NOW) == 1
        assert days_overdue(tomorrow, NOW) == -1
        assert days_overdue(NOW + dt.timedelta(hours=3), NOW) == 0
    with timezone.override(UTC):
        assert days_overdue(yesterday_evening, NOW) == 0  # the same UTC day
        assert days_overdue(tomorrow, NOW) == -2


def test_due_list_and_detail_follow_the_members_zone(member_client, member):
    """Pages count in the member's zone: late yesterday evening is 1 day overdue (not "due
    today"), late tomorrow evening is due in 1 day (not 2), tonight is due today (not in 1
    day)."""
    owner = member.user
    owner.time_zone = "America/Los_Angeles"
    owner.save(update_fields=["time_zone"])
    local_now = timezone.now().astimezone(LA)
    if local_now.time() >= dt.time(23, 50):
        pytest.skip("too close to midnight in Los Angeles")
    today = local_now.date()
    evening = dt.time(23, 55)
    day = dt.timedelta(days=1)
    late = _due(owner, "Evening Person", dt.datetime.combine(today - day, evening, LA))
    soon = _due(owner, "Tomorrow Person", dt.datetime.combine(today + day, evening, LA))
    tonight = _due(owner, "Tonight Person", dt.datetime.combine(today, evening, LA))
    with timezone.override(LA):
        items = {i.contact.pk: i.days_overdue for i in due_list_for(viewer=owner).items}
    assert items == {late.pk: 1, soon.pk: -1, tonight.pk: 0}
    html = member_client.get(reverse("contacts:due")).content.decode()
    assert "1 day overdue" in html
    assert "Due in 1 day" in html
    assert "Due today" in html
    assert "Due in 2 days" not in html
    detail = member_client.get(reverse("contacts:detail", args=[late.pk])).content.decode()
    assert "1 day overdue" in detail
    detail = member_client.get(reverse("contacts:detail", args=[tonight.pk])).content.decode()
    assert "Due to reconnect today." in detail
