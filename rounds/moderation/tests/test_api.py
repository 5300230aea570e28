"""Reports and moderation through the API: filing, the queue, decisions, suspensions."""

from __future__ import annotations

import pytest

from rounds.core.models import AuditEntry
from rounds.core.tests.api_client import api_as, assert_error
from rounds.messaging.models import Message
from rounds.moderation.models import ModerationAction, Report, Suspension
from rounds.moderation.tests.factories import message_between, report, staff_member
from rounds.notifications.models import Kind, Notification
from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ana = ProfileFactory(handle="ana")
    ben = ProfileFactory(handle="ben", headline="Cardiologist quixotic")
    staff = staff_member(handle="staff")
    message = message_between(ben.user, ana.user, body="Buy my supplements now")
    return ana, ben, staff, message


def test_member_reports_a_message_they_can_read(world):
    """A participant reports a message: 201, one open report with the author and no group."""
    ana, ben, _staff, message = world
    response = api_as(ana.user).post(
        "/reports",
        {"target_kind": "message", "target_id": message.pk, "reason": "spam", "details": "ad"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open" and body["reason"] == "spam"
    stored = Report.objects.get()
    assert stored.target_author_id == ben.user_id and stored.group_id is None
    assert AuditEntry.objects.filter(action="moderation.report").count() == 1


def test_reporting_what_you_cannot_see_is_404(world):
    """A message of a conversation the member is not in, an unknown kind, a missing id: 404."""
    _ana, _ben, _staff, message = world
    stranger = api_as(ProfileFactory().user)
    for body in (
        {"target_kind": "message", "target_id": message.pk, "reason": "spam"},
        {"target_kind": "spaceship", "target_id": 1, "reason": "spam"},
        {"target_kind": "profile", "target_id": 99999999, "reason": "spam"},
    ):
        assert_error(stranger.post("/reports", body), 404)
    assert not Report.objects.exists()


def test_one_open_report_per_target_and_not_your_own(world):
    """A second open report on the same target is a 409; reporting yourself is a 422."""
    ana, ben, staff, _message = world
    api = api_as(ana.user)
    body = {"target_kind": "profile", "target_id": ben.pk, "reason": "harassment"}
    assert api.post("/reports", body).status_code == 201
    assert_error(api.post("/reports", body), 409, "target_id")
    assert_error(
        api.post("/reports", {"target_kind": "profile", "target_id": ana.pk, "reason": "spam"}),
        422,
        "target_id",
    )
    long = {**body, "target_id": ben.pk, "details": "x" * 1001}
    assert_error(api_as(staff.user).post("/reports", long), 422, "details")


def test_reports_are_rate_limited_with_retry_after(world, settings):
    """Over the hourly limit the API answers 429 with Retry-After and stores nothing more."""
    ana, ben, _staff, message = world
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": 1}
    api = api_as(ana.user)
    assert (
        api.post(
            "/reports", {"target_kind": "profile", "target_id": ben.pk, "reason": "spam"}
        ).status_code
        == 201
    )
    response = api.post(
        "/reports", {"target_kind": "message", "target_id": message.pk, "reason": "spam"}
    )
    assert_error(response, 429)
    assert int(response["Retry-After"]) > 0
    assert Report.objects.count() == 1


def test_staff_queue_groups_reports_by_target_oldest_first(world):
    """Two reports on one profile and one on a message: two queue items, counts and reasons."""
    ana, ben, staff, message = world
    chen = ProfileFactory()
    report(ana.user, "message", message.pk)
    report(ana.user, "profile", ben.pk, reason="harassment")
    report(chen.user, "profile", ben.pk, reason="spam")
    response = api_as(staff.user).get("/moderation/queue")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [(i["target"]["kind"], i["report_count"]) for i in items] == [
        ("message", 1),
        ("profile", 2),
    ]
    assert items[1]["reasons"] == {"harassment": 1, "spam": 1}
    assert items[0]["target"]["excerpt"] == "Buy my supplements now"
    assert items[1]["target"]["author"]["handle"] == "ben"
    filtered = api_as(staff.user).get("/moderation/queue", {"reason": "harassment"}).json()
    assert [i["target"]["kind"] for i in filtered["items"]] == ["profile"]


def test_remove_a_message_erases_it_tells_the_author_and_logs(world):
    """Removing a reported message erases its text, resolves the reports, notifies the sender
    with the reason, and writes a ModerationAction and an audit entry."""
    ana, ben, staff, message = world
    filed = report(ana.user, "message", message.pk)
    response = api_as(staff.user).post(
        f"/moderation/reports/{filed.pk}/actions",
        {"action": "remove", "reason": "Unsolicited advertising"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["reports_resolved"] == 1
    erased = Message.objects.get(pk=message.pk)
    assert erased.body == "" and erased.deleted_at is not None
    assert Report.objects.get().state == "actioned"
    note = Notification.objects.get(recipient=ben.user, kind=Kind.MODERATION)
    assert "Unsolicited advertising" in note.text
    assert ModerationAction.objects.get().action == "remove"
    assert AuditEntry.objects.filter(action="moderation.remove").exists()
    # The sender reads why on the notice page; nobody else can.
    notice = note.url
    client = api_as(ben.user).client
    client.force_login(ben.user)
    assert "Unsolicited advertising" in client.get(notice).content.decode()
    client.force_login(ana.user)
    assert client.get(notice).status_code == 404


def test_hide_profile_clears_headline_and_bio(world):
    """Hiding a profile clears its headline and bio (the member keeps name and handle)."""
    ana, ben, staff, _message = world
    Profile.objects.filter(pk=ben.pk).update(bio="Visit my shop")
    filed = report(ana.user, "profile", ben.pk)
    api_as(staff.user).post(
        f"/moderation/reports/{filed.pk}/actions", {"action": "hide", "reason": "Advertising"}
    )
    ben.refresh_from_db()
    assert (ben.headline, ben.bio, ben.handle) == ("", "", "ben")


def test_dismiss_and_warn(world):
    """Dismiss needs no reason and tells nobody; warn needs a reason and tells the author."""
    ana, ben, staff, _message = world
    api = api_as(staff.user)
    filed = report(ana.user, "profile", ben.pk)
    assert (
        api.post(f"/moderation/reports/{filed.pk}/actions", {"action": "dismiss"}).status_code
        == 201
    )
    assert Report.objects.get().state == "dismissed"
    assert not Notification.objects.filter(kind=Kind.MODERATION).exists()
    again = report(ana.user, "profile", ben.pk)
    assert_error(
        api.post(f"/moderation/reports/{again.pk}/actions", {"action": "warn"}), 422, "reason"
    )
    response = api.post(
        f"/moderation/reports/{again.pk}/actions", {"action": "warn", "reason": "Keep it civil"}
    )
    assert response.status_code == 201
    assert Notification.objects.get(kind=Kind.MODERATION).text.endswith("Keep it civil")


def test_staff_suspend_from_a_report_and_lift(world):
    """Suspending the author from a report creates an active suspension; lifting ends it."""
    ana, ben, staff, message = world
    filed = report(ana.user, "message", message.pk)
    api = api_as(staff.user)
    response = api.post(
        f"/moderation/reports/{filed.pk}/actions",
        {"action": "suspend", "reason": "Repeated spam", "days": 7},
    )
    assert response.status_code == 201, response.content
    suspension = Suspension.objects.get(user=ben.user)
    assert suspension.is_active and suspension.until is not None
    listed = api.get("/moderation/suspensions").json()["items"]
    assert [s["member"]["handle"] for s in listed] == ["ben"]
    lifted = api.post(f"/moderation/suspensions/{suspension.pk}/lift")
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert_error(api.post(f"/moderation/suspensions/{suspension.pk}/lift"), 409)
    assert api.get("/moderation/suspensions").json()["items"] == []
    actions = list(ModerationAction.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["suspend", "lift"]


def test_direct_suspension_and_log(world):
    """Staff suspend by handle (indefinitely); the log lists it with the moderator."""
    _ana, _ben, staff, _message = world
    api = api_as(staff.user)
    response = api.post("/moderation/suspensions", {"handle": "ben", "reason": "Threats"})
    assert response.status_code == 201, response.content
    assert response.json()["until"] is None
    assert_error(api.post("/moderation/suspensions", {"handle": "staff", "reason": "x"}), 422)
    log = api.get("/moderation/log").json()["items"]
    assert log[0]["action"] == "suspend" and log[0]["moderator"]["handle"] == "staff"
    assert log[0]["target_author"]["handle"] == "ben"


def test_suspended_member_cannot_publish_message_or_report(world):
    """A suspended member gets 403 publishing a bio, sending a message and reporting; they
    can still read (their inbox answers 200)."""
    ana, ben, staff, message = world
    api_as(staff.user).post("/moderation/suspensions", {"handle": "ben", "reason": "Spam"})
    api = api_as(ben.user)
    assert_error(api.patch("/me/profile", {"bio": "Hello again"}), 403)
    assert_error(
        api.post(f"/conversations/{message.conversation_id}/messages", {"body": "More ads"}), 403
    )
    assert_error(
        api.post("/reports", {"target_kind": "profile", "target_id": ana.pk, "reason": "spam"}),
        403,
    )
    assert api.get("/conversations").status_code == 200
    assert Message.objects.count() == 1


def test_guard_override_rates_for_moderators(world):
    """The override-rate endpoint answers staff with per-rule counts, 404 for members."""
    ana, _ben, staff, _message = world
    ack = {"bio": "This new EHR rollout is a load of crap.", "acknowledge_warnings": True}
    api_as(ana.user).patch("/me/profile", {"bio": ack["bio"]})
    api_as(ana.user).patch("/me/profile", ack)
    rates = api_as(staff.user).get("/moderation/guard-overrides").json()
    row = next(r for r in rates if r["rule"] == "offensive.profanity")
    assert (row["warned"], row["overridden"], row["rate"]) == (1, 1, 1.0)
    assert_error(api_as(ana.user).get("/moderation/guard-overrides"), 404)
