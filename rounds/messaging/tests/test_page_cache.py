"""The conversation page is cached whole per viewer (``render_page``): never stale after
anything it shows changes (each session's own CSRF token: ``core/tests/test_page_cache``)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from rounds.core.fragments import CSRF_PLACEHOLDER
from rounds.core.tests.test_page_cache import rendered_templates
from rounds.messaging.tests.factories import reply, start
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.profiles.services import profile_update
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    me = ProfileFactory(display_name="Mara Quill")
    friend = ProfileFactory(display_name="Ilse Brandt")
    connect(me.user, friend.user)
    first = start(friend.user, me.user, body="Coffee after rounds?")
    return me, friend, first.conversation_id


def _page(client, conversation_id: int) -> str:
    response = client.get(reverse("messaging:conversation", args=[conversation_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert CSRF_PLACEHOLDER not in html
    return html


def test_a_warm_page_comes_from_the_cache(chat):
    me, _, cid = chat
    client = Client()
    client.force_login(me.user)
    _page(client, cid)
    _page(client, cid)
    assert rendered_templates(client, reverse("messaging:conversation", args=[cid])) == []


@pytest.mark.parametrize("change", ["message", "deleted", "rename", "block", "left"])
def test_the_cached_page_shows_every_change_at_once(chat, change):
    me, friend, cid = chat
    client = Client()
    client.force_login(me.user)
    before = _page(client, cid)
    assert "Coffee after rounds?" in before and "Ilse Brandt" in before
    if change == "message":
        reply(friend.user, cid, "Or tea, at four.")
        assert "Or tea, at four." in _page(client, cid)
    elif change == "deleted":
        message = reply(friend.user, cid, "A second thought.")
        assert "A second thought." in _page(client, cid)
        friend_client = Client()
        friend_client.force_login(friend.user)
        friend_client.post(reverse("messaging:delete_message", args=[cid, message.pk]))
        after = _page(client, cid)
        assert "A second thought." not in after and "This message was deleted." in after
    elif change == "rename":
        profile_update(actor=friend.user, profile=friend, changes={"display_name": "Ilse Kohl"})
        after = _page(client, cid)
        assert "Ilse Kohl" in after and "Ilse Brandt" not in after
    elif change == "block":
        block(actor=friend.user, blocked=me.user)
        after = _page(client, cid)
        assert 'id="dm-composer"' not in after
    else:
        get_user_model().objects.filter(pk=friend.user_id).update(is_active=False)
        after = _page(client, cid)
        assert "This member has left Rounds" in after and "Ilse Brandt" not in after
