"""Moderation pages: the report flow, the queue and a decision, the log, suspensions, the
guard page and the author's notice; a suspended member can sign in and read but not publish."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rounds.messaging.models import Message
from rounds.moderation.models import ModerationAction, Report, Suspension
from rounds.moderation.tests.factories import message_between, report, staff_member
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    ana = ProfileFactory(handle="ana")
    ben = ProfileFactory(handle="ben", display_name="Ben Okafor")
    staff = staff_member(handle="staff")
    return ana, ben, staff


def test_report_page_shows_the_target_and_files_a_report(world):
    """GET shows what is reported and who will read it; POST files it and redirects back."""
    ana, ben, _staff = world
    client = _client(ana.user)
    url = reverse("moderation:report", args=["profile", ben.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ben Okafor" in html and "Only moderators" in html
    response = client.post(url, {"reason": "harassment", "details": "Insults in comments"})
    assert response.status_code == 302
    assert response["Location"] == reverse("profiles:detail", args=["ben"])
    assert Report.objects.get().details == "Insults in comments"
    again = client.post(url, {"reason": "harassment"})
    assert again.status_code == 409
    assert "already reported" in again.content.decode()


def test_report_page_rejects_bad_input_and_unknown_targets(world):
    """No reason is a 422 with the form; an unknown kind or id is a 404."""
    ana, ben, _staff = world
    client = _client(ana.user)
    assert (
        client.post(reverse("moderation:report", args=["profile", ben.pk]), {}).status_code == 422
    )
    assert client.get(reverse("moderation:report", args=["rocket", 1])).status_code == 404
    assert client.get(reverse("moderation:report", args=["profile", 10**12])).status_code == 404
    assert client.get(f"/report/profile/{2**64}/").status_code == 404
    assert Client().get(reverse("moderation:report", args=["profile", ben.pk])).status_code == 302


def test_report_page_is_rate_limited_with_retry_after(world, settings):
    """Over the hourly report limit the page answers 429 with Retry-After."""
    ana, ben, _staff = world
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": 1}
    client = _client(ana.user)
    other = ProfileFactory()
    assert (
        client.post(
            reverse("moderation:report", args=["profile", ben.pk]), {"reason": "spam"}
        ).status_code
        == 302
    )
    response = client.post(
        reverse("moderation:report", args=["profile", other.pk]), {"reason": "spam"}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Report.objects.count() == 1


def test_staff_decide_from_the_report_page(world):
    """The report page lists the reports; removing a message from it resolves the report,
    logs it and tells the sender, who reads why on the notice page."""
    ana, ben, staff = world
    message = message_between(ben.user, ana.user, body="Cheap pills here")
    filed = report(ana.user, "message", message.pk, details="Spam in my inbox")
    client = _client(staff.user)
    assert "Cheap pills here" in client.get(reverse("moderation:queue")).content.decode()
    url = reverse("moderation:report_detail", args=[filed.pk])
    html = client.get(url).content.decode()
    assert "Spam in my inbox" in html and "Suspend" in html
    assert client.post(url, {"action": "remove"}).status_code == 422  # reason required
    response = client.post(url, {"action": "remove", "reason": "Advertising is not allowed"})
    assert response.status_code == 302
    assert Message.objects.get().body == ""
    assert ModerationAction.objects.get().action == "remove"
    log = client.get(reverse("moderation:log")).content.decode()
    assert "Advertising is not allowed" in log
    note = Notification.objects.get(kind=Kind.MODERATION)
    notice = _client(ben.user).get(note.url).content.decode()
    assert "Removed by moderators" in notice and "Advertising is not allowed" in notice


def test_staff_suspend_and_lift_on_the_suspensions_page(world):
    """Staff suspend by handle, see it listed, and lift it."""
    ana, _ben, staff = world
    client = _client(staff.user)
    url = reverse("moderation:suspensions")
    assert client.post(url, {"handle": "nobody", "reason": "x"}).status_code == 422
    assert client.post(url, {"handle": "ben", "reason": "Threats", "days": "3"}).status_code == 302
    suspension = Suspension.objects.get()
    assert "Ben Okafor" in client.get(url).content.decode()
    lift = reverse("moderation:suspension_lift", args=[suspension.pk])
    assert client.post(lift).status_code == 302
    assert not Suspension.objects.active().exists()
    assert client.post(lift).status_code == 409
    assert _client(ana.user).post(lift).status_code == 404


def test_suspended_member_can_read_but_not_publish_through_pages(world):
    """A suspended member signs in and reads their profile page, but saving a bio is a 403
    and the report page says they cannot report."""
    ana, ben, staff = world
    Suspension.objects.create(user=ben.user, reason="Spam", created_by=staff.user)
    client = _client(ben.user)
    assert client.get(reverse("profiles:detail", args=["ben"])).status_code == 200
    response = client.post(reverse("profiles:edit_section", args=["about"]), {"bio": "I am back"})
    assert response.status_code == 403
    ben.refresh_from_db()
    assert ben.bio == ""
    page = client.get(reverse("moderation:report", args=["profile", ana.pk]))
    assert "suspended" in page.content.decode()
    assert (
        client.post(
            reverse("moderation:report", args=["profile", ana.pk]), {"reason": "spam"}
        ).status_code
        == 403
    )


def test_guard_page_shows_override_rates(world):
    """The guard page lists a rule with its warned/overridden counts for moderators."""
    ana, _ben, staff = world
    client = _client(ana.user)
    text = "This new EHR rollout is a load of crap."
    edit = reverse("profiles:edit_section", args=["about"])
    client.post(edit, {"bio": text})
    client.post(edit, {"bio": text, "acknowledge_warnings": "1"})
    html = _client(staff.user).get(reverse("moderation:guard") + "?period=7").content.decode()
    assert "offensive.profanity" in html and "100%" in html
    assert (
        _client(staff.user).get(reverse("moderation:guard") + "?period=x&kind=%00").status_code
        == 200
    )


def test_account_menu_links_staff_to_moderation(world):
    """Staff see "Moderation" in the account menu; members do not."""
    ana, _ben, staff = world
    link = f'href="{reverse("moderation:queue")}"'
    assert link in _client(staff.user).get(reverse("profiles:home")).content.decode()
    assert link not in _client(ana.user).get(reverse("profiles:home")).content.decode()


def test_queue_filters_and_empty_state(world):
    """Filtering by a reason with no reports shows the empty state; junk filters are ignored."""
    ana, ben, staff = world
    report(ana.user, "profile", ben.pk, reason="spam")
    client = _client(staff.user)
    html = client.get(reverse("moderation:queue") + "?reason=harassment").content.decode()
    assert "Nothing waiting" in html
    assert (
        client.get(reverse("moderation:queue") + "?state=%00&reason=zz&page=-4").status_code == 200
    )
    html = client.get(reverse("moderation:queue") + "?state=all").content.decode()
    assert "Profile #" in html


def test_report_link_include_points_at_the_report_page():
    """The shared "Report" link names the kind and id and tells screen readers what it does."""
    from django.template.loader import render_to_string

    html = render_to_string("moderation/_report_link.html", {"kind": "post", "target_id": 7})
    assert 'href="/report/post/7/"' in html and "this post to the moderators" in html


def test_a_double_submitted_decision_is_taken_once(world):
    """The same decision posted twice (a double click, or two moderators at once) is logged
    and told to the author once; the second answer is a 409. A different decision on the same
    target later is still possible."""
    ana, ben, staff = world
    filed = report(ana.user, "profile", ben.pk, details="Rude headline")
    client = _client(staff.user)
    url = reverse("moderation:report_detail", args=[filed.pk])
    decision = {"action": "warn", "reason": "Keep it civil"}
    assert client.post(url, decision).status_code == 302
    again = client.post(url, decision)
    assert again.status_code == 409 and "already took this decision" in again.content.decode()
    assert ModerationAction.objects.count() == 1
    assert Notification.objects.filter(recipient=ben.user, kind=Kind.MODERATION).count() == 1
    api = client.post(
        f"/api/v1/moderation/reports/{filed.pk}/actions",
        decision,
        content_type="application/json",
    )
    assert api.status_code == 409
    assert client.post(url, {"action": "remove", "reason": "Still rude"}).status_code == 302
    assert ModerationAction.objects.count() == 2


def test_suspending_at_the_same_moment_twice_is_a_409_not_a_500(world):
    """Two suspensions of one member racing (a double submit): the second one's lookup ran
    before the first committed, so its insert hits the one-unlifted-suspension constraint.
    That is a 409 on the form, not a server error."""
    from unittest import mock

    from rounds.moderation.models import SuspensionQuerySet

    _ana, ben, staff = world
    Suspension.objects.create(user=ben.user, reason="First", created_by=staff.user)
    client = _client(staff.user)
    with mock.patch.object(SuspensionQuerySet, "first", return_value=None):
        response = client.post(
            reverse("moderation:suspensions"), {"handle": "ben", "reason": "Second"}
        )
    assert response.status_code == 409
    assert "suspended a moment ago" in response.content.decode()
    assert list(Suspension.objects.values_list("reason", flat=True)) == ["First"]
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
def test_guard_period_counts_utc_days_whatever_the_moderators_zone(world, zone):
    """Guard tallies are kept per UTC day; "last 7 days" is the last 7 UTC days for a
    moderator 14 hours ahead of UTC or 11 hours behind it (their local date differs from the
    tallies' for part of every day)."""
    import datetime as dt

    from django.utils import timezone

    from rounds.core.models import GuardTally
    from rounds.moderation.selectors import guard_period_start

    _ana, _ben, staff = world
    today = timezone.now().date()
    with timezone.override(zone):
        assert guard_period_start(7) == today - dt.timedelta(days=6)
        assert guard_period_start(0) is None
    staff.user.time_zone = zone
    staff.user.save(update_fields=["time_zone"])
    for age, rule in ((6, "inside.rule"), (7, "outside.rule")):
        GuardTally.objects.create(
            day=today - dt.timedelta(days=age),
            kind="bio",
            category="offensive",
            rule=rule,
            outcome="warned",
            count=3,
        )
    html = _client(staff.user).get(reverse("moderation:guard") + "?period=7").content.decode()
    assert "inside.rule" in html and "outside.rule" not in html
    api = _client(staff.user).get("/api/v1/moderation/guard-overrides?days=7").json()
    assert {row["rule"] for row in api} == {"inside.rule"}
