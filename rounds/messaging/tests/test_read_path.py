"""The fast read path of conversations: message HTML stored when written, pages that render
no Markdown, read markers that write nothing when nothing is new, participants carrying
their block state."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from rounds.core.markdown import render_markdown
from rounds.core.testing import executable_constructs
from rounds.messaging.models import Message, body_html_of
from rounds.messaging.services import message_delete
from rounds.messaging.tests.factories import reply, start
from rounds.network.tests.factories import connect
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

BODY = "Agenda:\n\n- **budget**\n- [slides](https://example.org/s)\n\n<script>alert(1)</script>"


@pytest.fixture
def ana():
    return ProfileFactory(display_name="Ana Ruiz").user


@pytest.fixture
def ben(ana):
    user = ProfileFactory(display_name="Ben Okafor").user
    connect(ana, user)
    return user


def test_sending_stores_the_sanitised_html(ana, ben):
    """A sent message keeps its rendered, sanitised HTML next to its text."""
    message = start(ana, ben, body=BODY)
    message.refresh_from_db()
    assert message.body_html == str(render_markdown(BODY)) == body_html_of(BODY)
    assert "<strong>budget</strong>" in message.body_html
    assert "<script>" not in message.body_html
    assert 'rel="nofollow noopener ugc"' in message.body_html


def test_deleting_erases_the_html_too(ana, ben):
    """A deleted message keeps neither its text nor its HTML."""
    message = start(ana, ben, body=BODY)
    message_delete(actor=ana, conversation_id=message.conversation_id, message_id=message.pk)
    message.refresh_from_db()
    assert (message.body, message.body_html) == ("", "")


def test_the_page_shows_the_stored_html_without_rendering(client, ana, ben, monkeypatch):
    """The conversation page prints the stored HTML; it renders no Markdown per message."""
    message = start(ana, ben, body="Plain **bold** text")
    Message.objects.filter(pk=message.pk).update(body_html="<p>Stored <em>copy</em></p>")
    calls = []
    monkeypatch.setattr(
        "rounds.messaging.models.render_markdown",
        lambda text: calls.append(text) or render_markdown(text),
    )
    client.force_login(ben)
    response = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    assert response.status_code == 200
    assert b"<p>Stored <em>copy</em></p>" in response.content
    assert calls == []


def test_a_row_without_stored_html_is_rendered_safely(client, ana, ben):
    """A message written without HTML (an older row) is rendered and sanitised on the fly."""
    message = start(ana, ben, body="Hello <b onclick=x>there</b> **friend**")
    Message.objects.filter(pk=message.pk).update(body_html="")
    client.force_login(ben)
    response = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    body = re.search(r'<div class="dm-msg-body prose">(.*?)</div>', response.content.decode(), re.S)
    assert body is not None and "<strong>friend</strong>" in body.group(1)
    assert executable_constructs(body.group(1)) == []


def test_the_api_serves_the_stored_html(ana, ben):
    """The messages endpoint returns the stored HTML as ``body_html``."""
    from rounds.core.tests.api_client import api_as

    message = start(ana, ben, body="Hi **there**")
    Message.objects.filter(pk=message.pk).update(body_html="<p>Stored</p>")
    api = api_as(ben)
    data = api.get(f"/conversations/{message.conversation_id}/messages").json()
    assert [item["body_html"] for item in data["items"]] == ["<p>Stored</p>"]


def test_replying_marks_my_notifications_of_that_conversation_read(ana, ben):
    """Writing in a conversation means having seen it: its message notifications are read."""
    first = start(ana, ben, body="Are you free Thursday?")
    waiting = Notification.objects.filter(recipient=ben, kind=Kind.MESSAGE)
    assert waiting.filter(read_at__isnull=True).count() == 1
    reply(ben, first, "Yes, after clinic.")
    assert waiting.filter(read_at__isnull=True).count() == 0


def test_the_migration_fills_html_for_existing_messages(ana, ben):
    """Migration 0003 stores the HTML of messages written before the column existed."""
    first = start(ana, ben, body="One **two**")
    second = reply(ben, first, "Three *four*")
    deleted = reply(ana, first, "gone")
    message_delete(actor=ana, conversation_id=first.conversation_id, message_id=deleted.pk)
    Message.objects.update(body_html="")
    fill = importlib.import_module("rounds.messaging.migrations.0003_fill_message_body_html").fill
    fill(apps, SimpleNamespace(connection=connection))
    stored = dict(Message.objects.values_list("pk", "body_html"))
    assert stored == {
        first.pk: body_html_of("One **two**"),
        second.pk: body_html_of("Three *four*"),
        deleted.pk: "",
    }
