"""The demo member's inbox (seed_demo): lived-in conversations made through the services."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from rounds.accounts.models import User
from rounds.messaging.models import Conversation, Participant
from rounds.network.models import Interaction
from rounds.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_demo_member_conversations_and_notifications():
    """Three one-to-one threads and a group, some unread, with interactions and notifications."""
    call_command("seed_demo", "--members", "40", "--seed", "3", stdout=None)
    demo = User.objects.get(email="demo@rounds.example")
    seats = Participant.objects.filter(user=demo)
    kinds = sorted(seats.values_list("conversation__kind", flat=True))
    assert kinds == ["direct", "direct", "direct", "group"]
    unread = [
        s
        for s in seats.select_related("conversation")
        if s.conversation.last_message_id != s.last_read_message_id
    ]
    assert unread, "the demo member has something new to read"
    assert Interaction.objects.filter(actor=demo, kind="message").exists()
    mine = Notification.objects.filter(recipient=demo)
    assert mine.filter(kind=Kind.MESSAGE).exists()
    assert mine.filter(kind=Kind.CONNECTION_REQUEST).count() == 3


def test_seed_demo_conversations_run_once():
    """A second seed on a seeded database adds no conversations."""
    from rounds.messaging.demo import seed_demo_conversations

    call_command("seed_demo", "--members", "30", "--seed", "5", stdout=None)
    before = Conversation.objects.count()
    demo = User.objects.get(email="demo@rounds.example")
    assert seed_demo_conversations(demo_user_id=demo.pk, seed=5) == 0
    assert Conversation.objects.count() == before
