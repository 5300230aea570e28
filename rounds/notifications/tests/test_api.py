"""The notifications API: list (cursor), unread count, mark read (one, all), preferences;
privacy (someone else's is a 404), authentication and hostile input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.notifications.models import Delivery, Kind, Notification
from rounds.notifications.selectors import deliveries_for
from rounds.notifications.tests.factories import many, note
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me():
    return ProfileFactory().user


@pytest.fixture
def api(me):
    return api_as(me)


def test_anonymous_requests_are_401():
    """Every endpoint needs a member."""
    anonymous = ApiClient()
    for path in (
        "/notifications",
        "/notifications/unread-count",
        "/notifications/preferences",
        "/notifications/1",
    ):
        assert_error(anonymous.get(path), 401)
    assert_error(anonymous.post("/notifications/read-all", {}), 401)
    assert_error(anonymous.put("/notifications/preferences", {"preferences": {}}), 401)


def test_list_pages_with_a_cursor(api, me):
    """Newest first; next_cursor walks every notification exactly once."""
    made = many(me, 7)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/notifications", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        assert body["has_next"] == (cursor is not None)
        if cursor is None:
            break
    assert seen == [n.pk for n in made]


def test_list_item_shape_and_unread_filter(api, me):
    """Items carry kind, label, text, absolute link, dates and read/emailed state."""
    read = note(
        me, text="Read", read_at=timezone.now(), created_at=timezone.now() - timedelta(minutes=5)
    )
    unread = note(
        me,
        kind=Kind.CONNECTION_REQUEST,
        text="Ben asked to connect with you",
        url="/network/requests/",
    )
    items = api.get("/notifications").json()["items"]
    assert [i["id"] for i in items] == [unread.pk, read.pk]
    first = items[0]
    assert first["kind"] == "connection.request" and first["kind_label"] == "Connection requests"
    assert first["url"] == "http://testserver/network/requests/"
    assert first["is_read"] is False and first["read_at"] is None and first["emailed"] is False
    only_unread = api.get("/notifications", {"unread": "true"}).json()["items"]
    assert [i["id"] for i in only_unread] == [unread.pk]


@pytest.mark.parametrize("cursor", ["abc", "1-0", "1-99999999999999999999", "x" * 61])
def test_malformed_cursor_is_a_422(api, cursor):
    """A cursor the API did not make is a 422 naming the field."""
    assert_error(api.get("/notifications", {"cursor": cursor}), 422, "cursor")


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_limit_out_of_range_is_a_422(api, limit):
    """limit is 1..100."""
    assert_error(api.get("/notifications", {"limit": limit}), 422, "limit")


def test_unread_count(api, me):
    """The unread count counts only the member's own unread notifications."""
    many(me, 3)
    note(me, read_at=timezone.now())
    note(ProfileFactory().user)
    assert api.get("/notifications/unread-count").json() == {"unread": 3, "capped": False}


def test_detail_and_mark_read(api, me):
    """One notification can be read and marked read by its recipient."""
    created = note(me)
    assert api.get(f"/notifications/{created.pk}").json()["is_read"] is False
    body = api.post(f"/notifications/{created.pk}/read").json()
    assert body["is_read"] is True and body["read_at"]
    assert api.get("/notifications/unread-count").json()["unread"] == 0


def test_someone_elses_notification_is_a_404(api):
    """Reading or marking another member's notification is a 404, like a missing one."""
    theirs = note(ProfileFactory().user)
    for response in (
        api.get(f"/notifications/{theirs.pk}"),
        api.post(f"/notifications/{theirs.pk}/read"),
        api.get("/notifications/999999"),
        api.get(f"/notifications/{2**70}"),
        api.post(f"/notifications/{2**70}/read"),
    ):
        assert_error(response, 404)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_all(api, me):
    """read-all marks the member's unread notifications; up_to_id leaves newer ones unread."""
    shown = many(me, 2)
    newer = note(me)
    other = note(ProfileFactory().user)
    assert api.post("/notifications/read-all", {"up_to_id": max(n.pk for n in shown)}).json() == {
        "marked": 2
    }
    assert Notification.objects.get(pk=newer.pk).read_at is None
    assert api.post("/notifications/read-all", {}).json() == {"marked": 1}
    assert Notification.objects.get(pk=other.pk).read_at is None


@pytest.mark.parametrize(
    "body",
    [{"up_to_id": 0}, {"up_to_id": "x"}, {"up_to_id": 2**70}, {"everything": True}, [], "read"],
)
def test_read_all_refuses_bad_bodies(api, me, body):
    """Bad bodies are a 422 and mark nothing."""
    note(me)
    assert_error(api.post("/notifications/read-all", body), 422)
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_read_all_refuses_a_body_that_is_not_json(api):
    """A body that is not JSON is a 400."""
    assert_error(api.post("/notifications/read-all", raw=b"{not json"), 400)


def test_preferences_get_and_put(api, me):
    """Preferences list every kind with its group and default; PUT changes only the kinds named."""
    body = api.get("/notifications/preferences").json()
    assert body["email"] == me.email
    assert {item["kind"] for item in body["items"]} == set(Kind.values)
    message = next(i for i in body["items"] if i["kind"] == Kind.MESSAGE)
    assert message == {
        "kind": "message.new",
        "label": "New messages",
        "description": "A connection sends you a message.",
        "group": "messages",
        "group_title": "Messages",
        "delivery": "immediate",
        "default": "immediate",
        "chosen": False,
    }
    response = api.put(
        "/notifications/preferences",
        {"preferences": {"message.new": "digest", "post.like": "immediate"}},
    )
    assert response.status_code == 200
    items = {i["kind"]: i for i in response.json()["items"]}
    assert items["message.new"]["delivery"] == "digest" and items["message.new"]["chosen"] is True
    assert items["mention"]["delivery"] == "digest" and items["mention"]["chosen"] is False
    assert deliveries_for(user_id=me.pk)[Kind.POST_LIKE] == Delivery.IMMEDIATE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferences": {"message.new": "hourly"}}, "preferences.message.new"),
        ({"preferences": {"made.up": "off"}}, "kind"),
        ({"preferences": {"message.new": "off"}, "extra": 1}, "extra"),
        ({"preferences": []}, "preferences"),
        ({}, "preferences"),
        ({"preferences": {"k" * 100: "off"}}, "preferences"),
        ({"preferences": {"message.new\x00": "off"}}, "preferences"),
    ],
)
def test_preferences_put_refuses_bad_input_and_saves_nothing(api, me, body, field):
    """Unknown kinds, unknown deliveries and unknown fields are a 422 naming the field."""
    response = api.put("/notifications/preferences", body)
    assert_error(response, 422)
    assert any(key.startswith(field) for key in response.json()["errors"]), response.json()
    assert deliveries_for(user_id=me.pk)[Kind.MESSAGE] == Delivery.IMMEDIATE


def test_session_auth_needs_csrf_for_writes(client, me):
    """With the browser session, unsafe methods need the CSRF token."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(me)
    assert_error(ApiClient(browser).post("/notifications/read-all", {}), 403)
    assert ApiClient(browser).get("/notifications").status_code == 200
