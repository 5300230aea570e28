"""The conversation page is cached whole per viewer (``render_page``): never stale after
anything it shows changes, and each session's forms carry a token its own cookie accepts."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.middleware.csrf import _does_token_match
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


def test_each_session_gets_forms_its_own_cookie_accepts(chat):
    me, _, cid = chat
    secrets = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(me.user)
        html = _page(client, cid)
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert len(tokens) >= 2, "the composer's and the page's own forms"
        secret = client.cookies["csrftoken"].value
        assert all(_does_token_match(token, secret) for token in tokens)
        secrets.append(secret)
    assert secrets[0] != secrets[1]
    assert rendered_templates(client, reverse("messaging:conversation", args=[cid])) == []
