"""Connection requests and acceptances notify the other member (pages and API alike)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from rounds.core.errors import NotFound
from rounds.core.tests.api_client import api_as
from rounds.network.models import ConnectionRequest
from rounds.network.services import block, connection_request_accept, connection_request_send
from rounds.notifications.models import Kind, Notification
from rounds.notifications.services import preferences_update
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return ProfileFactory(display_name="Ana Ruiz", handle="ana-ruiz")


@pytest.fixture
def ben():
    return ProfileFactory(display_name="Ben Okafor", handle="ben-okafor")


def test_request_notifies_the_recipient_without_the_note(ana, ben):
    """Sending a request tells the recipient who asked, and links to their requests; the
    personal note stays on the requests page."""
    connection_request_send(
        actor=ana.user, recipient=ben.user, note="Loved your talk on sepsis bundles"
    )
    notification = Notification.objects.get()
    assert notification.recipient_id == ben.user_id and notification.actor_id == ana.user_id
    assert notification.kind == Kind.CONNECTION_REQUEST
    assert notification.text == "Ana Ruiz asked to connect with you"
    assert notification.url == reverse("network:requests")
    assert "sepsis" not in notification.text


def test_accept_notifies_the_sender_with_a_link_to_the_connection(ana, ben):
    """Accepting tells the sender, linking to their new connection."""
    request = connection_request_send(actor=ana.user, recipient=ben.user)
    connection_request_accept(actor=ben.user, request_id=request.pk)
    accepted = Notification.objects.get(kind=Kind.CONNECTION_ACCEPTED)
    assert accepted.recipient_id == ana.user_id and accepted.actor_id == ben.user_id
    assert accepted.text == "Ben Okafor accepted your connection request"
    assert accepted.url == reverse("network:connection", args=["ben-okafor"])


def test_a_refused_request_notifies_nobody(ana, ben):
    """When the request is refused (blocked), no notification is left behind."""
    block(actor=ben.user, blocked=ana.user)
    with pytest.raises(NotFound):
        connection_request_send(actor=ana.user, recipient=ben.user)
    assert not Notification.objects.exists()


def test_the_request_page_flow_notifies_and_the_recipient_sees_it(client, ana, ben):
    """Through the pages: Ana asks, Ben's bell shows 1 unread and his list shows the request."""
    client.force_login(ana.user)
    response = client.post(reverse("network:connect", args=["ben-okafor"]), {"note": ""})
    assert response.status_code in (200, 302)
    client.force_login(ben.user)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Ana Ruiz asked to connect with you" in page
    assert 'aria-label="Notifications, 1 unread"' in page


def test_the_api_flow_notifies_and_emails_when_wanted(ana, ben, django_capture_on_commit_callbacks):
    """Through the API, with Ben's requests set to "email right away": he gets the email."""
    preferences_update(actor=ben.user, changes={Kind.CONNECTION_REQUEST: "immediate"})
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(ana.user).post("/network/requests", {"handle": "ben-okafor", "note": ""})
    assert response.status_code == 201, response.content
    (message,) = mail.outbox
    assert (
        message.to == [ben.user.email] and "Ana Ruiz asked to connect with you" in message.subject
    )
    request_id = ConnectionRequest.objects.get().pk
    with django_capture_on_commit_callbacks(execute=True):
        api_as(ben.user).post(f"/network/requests/{request_id}/accept")
    # Ana's acceptances are digest by default: in her list, not in her mail.
    assert len(mail.outbox) == 1
    assert api_as(ana.user).get("/notifications").json()["items"][0]["text"] == (
        "Ben Okafor accepted your connection request"
    )
