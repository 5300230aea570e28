"""Sending messages is rate limited ("message" in settings.RATE_LIMITS): the limit was
configured and documented but no service counted it. Every way to send counts once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.core.errors import RateLimited
from rounds.messaging.models import Message
from rounds.messaging.services import conversation_start, message_send
from rounds.messaging.tests.factories import start
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    ana = ProfileFactory(handle="ana", display_name="Ana Ruiz").user
    ben = ProfileFactory(handle="ben", display_name="Ben Okafor").user
    connect(ana, ben)
    return ana, ben


@pytest.fixture
def limit_three(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "message": 3}


def test_services_count_each_message_once(pair, limit_three):
    """Starting a conversation, writing again through compose (which reuses it) and replying
    each count one message; the fourth is refused before anything is written."""
    ana, ben = pair
    first = start(ana, ben, body="One")
    conversation_start(actor=ana, recipients=[ben], body="Two")  # reuses the conversation
    message_send(actor=ana, conversation_id=first.conversation_id, body="Three")
    with pytest.raises(RateLimited):
        message_send(actor=ana, conversation_id=first.conversation_id, body="Four")
    with pytest.raises(RateLimited):
        conversation_start(actor=ana, recipients=[ben], body="Five")
    assert list(Message.objects.order_by("id").values_list("body", flat=True)) == [
        "One",
        "Two",
        "Three",
    ]
    # Another member's allowance is their own.
    message_send(actor=ben, conversation_id=first.conversation_id, body="Ben's turn")


def test_pages_answer_429_with_retry_after(client, pair, limit_three):
    ana, ben = pair
    first = start(ana, ben, body="One")
    client.force_login(ana)
    cid = first.conversation_id
    send_url = reverse("messaging:send", args=[cid])
    assert client.post(send_url, {"body": "Two"}).status_code == 302
    assert client.post(send_url, {"body": "Three"}).status_code == 302
    refused = client.post(send_url, {"body": "Four"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b"limit of 3 messages per hour" in refused.content
    htmx = client.post(send_url, {"body": "Four"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 429 and int(htmx["Retry-After"]) > 0
    compose = client.post(reverse("messaging:compose"), {"to": "ben", "body": "Five"})
    assert compose.status_code == 429 and int(compose["Retry-After"]) > 0
    assert Message.objects.count() == 3


def test_api_answers_429(client, pair, limit_three):
    ana, _ben = pair
    client.force_login(ana)
    for body in ("One", "Two", "Three"):
        response = client.post(
            "/api/v1/conversations", {"to": ["ben"], "body": body}, content_type="application/json"
        )
        assert response.status_code == 201
    cid = Message.objects.first().conversation_id
    refused = client.post(
        f"/api/v1/conversations/{cid}/messages", {"body": "Four"}, content_type="application/json"
    )
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
