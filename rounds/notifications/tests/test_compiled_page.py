"""The list page read by a compiled query (``selectors.notification_item_page_for``) against
the ORM one it replaces (``notification_page_for``): the same HTML for every page, filter and
kind of actor (with a photo, without a profile, none), and fresh after reads and new ones."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.core.fragments import fragments_forget
from rounds.notifications import services, views
from rounds.notifications.models import Kind, Notification
from rounds.notifications.selectors import notification_page_for
from rounds.notifications.tests.factories import note
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def page_html(client, params: dict) -> str:
    response = client.get(reverse("notifications:list"), params)
    assert response.status_code == 200
    return _TOKEN.sub("", response.content.decode())


def orm_html(client, params: dict, monkeypatch) -> str:
    fragments_forget()  # rendered again, not read from what the compiled path cached
    with monkeypatch.context() as patched:
        patched.setattr(views, "notification_item_page_for", notification_page_for)
        return page_html(client, params)


@pytest.fixture
def inbox(settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 4
    me = ProfileFactory(handle="me").user
    with_photo = ProfileFactory(handle="ana", display_name="Ana Ruiz", avatar="avatars/a.jpg").user
    plain = ProfileFactory(handle="ben", display_name="Ben Okafor").user
    from rounds.accounts.models import User

    no_profile = User.objects.create_user(email="np@example.org", password="x")
    now = timezone.now()
    actors = [with_photo, plain, no_profile, None]
    kinds = [Kind.MENTION, Kind.POST_LIKE, Kind.GROUP_INVITATION, Kind.MODERATION]
    for i in range(11):
        fields = {"created_at": now - timedelta(minutes=i * 37)}
        if i % 3 == 0:
            fields["read_at"] = now
        note(me, kind=kinds[i % 4], actor=actors[i % 4], text=f"Thing <{i}> & co", **fields)
    # two at the same instant (the cursor's tie-break)
    Notification.objects.filter(recipient=me, text__startswith="Thing <5>").update(
        created_at=now - timedelta(minutes=4 * 37)
    )
    return me


def walk(client, monkeypatch, show: str) -> int:
    params = {"show": show} if show else {}
    pages = 0
    while True:
        mine = page_html(client, params)
        assert mine == orm_html(client, params, monkeypatch), params
        pages += 1
        found = re.search(r'href="\?(?:show=unread&amp;)?cursor=([0-9-]+)"', mine)
        if not found:
            return pages
        params = {**params, "cursor": found.group(1)}


def test_list_page_matches_the_orm_path(client, inbox, monkeypatch):
    client.force_login(inbox)
    assert walk(client, monkeypatch, "") >= 3
    assert walk(client, monkeypatch, "unread") >= 2
    body = page_html(client, {})
    assert "avatars/a.jpg" in body and "Thing &lt;0&gt; &amp; co" in body


def test_list_page_follows_writes(client, inbox, monkeypatch):
    client.force_login(inbox)
    first = page_html(client, {})
    newest = Notification.objects.filter(recipient=inbox).order_by("-created_at", "-id").first()
    services.notification_mark_read(actor=inbox, notification_id=newest.pk)
    note(inbox, kind=Kind.MENTION, text="Brand new thing")
    after = page_html(client, {})
    assert after != first and "Brand new thing" in after
    assert after == orm_html(client, {}, monkeypatch)


def test_malformed_cursor_is_a_400(client, inbox):
    client.force_login(inbox)
    assert client.get(reverse("notifications:list"), {"cursor": "nope"}).status_code == 400
