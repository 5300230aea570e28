"""Where members find "Report": on other members' profiles and messages, never on their own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.profiles.tests.factories import ProfileFactory

from .factories import message_between

pytestmark = pytest.mark.django_db


def test_profile_page_offers_report_to_others_but_not_to_the_owner(client):
    """Another member's profile links to the report form for that profile; one's own does not."""
    viewer, other = ProfileFactory(), ProfileFactory()
    client.force_login(viewer.user)
    link = reverse("moderation:report", args=["profile", other.pk])
    assert link in client.get(reverse("profiles:detail", args=[other.handle])).content.decode()
    own = client.get(reverse("profiles:detail", args=[viewer.handle])).content.decode()
    assert reverse("moderation:report", args=["profile", viewer.pk]) not in own


def test_conversation_offers_report_on_the_other_sides_messages_only(client):
    """The recipient can report a message they received; the sender sees Delete instead."""
    sender, recipient = ProfileFactory(), ProfileFactory()
    message = message_between(sender.user, recipient.user, body="Are you free on Tuesday?")
    link = reverse("moderation:report", args=["message", message.pk])
    page = reverse("messaging:conversation", args=[message.conversation_id])
    client.force_login(recipient.user)
    assert link in client.get(page).content.decode()
    client.force_login(sender.user)
    assert link not in client.get(page).content.decode()
