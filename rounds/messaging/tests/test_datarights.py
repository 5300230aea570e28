"""Data rights of messages: the export holds every message a member sent and received and
their own settings (nothing private of anyone else); erasure leaves no trace of their text."""

from __future__ import annotations

import json

import pytest
from django.db import models

from rounds.messaging import datarights
from rounds.messaging.models import Conversation, Message, MessageHide, Participant
from rounds.messaging.services import (
    conversation_leave,
    conversation_set_muted,
    message_delete,
)
from rounds.messaging.tests.factories import reply, start
from rounds.network.services import block
from rounds.network.tests.factories import connect
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

CANARY = "canary-7f3e1b"
MESSAGING_MODELS = [Conversation, Participant, Message, MessageHide]


def rows_containing(text: str) -> list[tuple[str, int]]:
    """Every row of this app's tables with ``text`` in any text column."""
    found = []
    for model in MESSAGING_MODELS:
        text_fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model.objects.values("pk", *text_fields):
            if any(text in str(row[name]) for name in text_fields):
                found.append((model.__name__, row["pk"]))
    return found


@pytest.fixture
def world():
    ana = ProfileFactory(handle="ana", display_name="Ana Ruiz").user
    ben = ProfileFactory(handle="ben", display_name="Ben Okafor").user
    chen = ProfileFactory(handle="chen", display_name="Chen Li").user
    connect(ana, ben)
    connect(ana, chen)
    connect(ben, chen)
    return ana, ben, chen


def test_export_holds_sent_and_received_messages_and_own_settings(world):
    """Every conversation with the member's sent and received messages and their settings;
    not other members' settings, nor what was hidden from them or said after they left."""
    ana, ben, chen = world
    direct = start(ana, ben, body=f"{CANARY} sent by Ana")
    reply(ben, direct, "Received by Ana")
    conversation_set_muted(actor=ben, conversation_id=direct.conversation_id, muted=True)
    group = start(ben, ana, chen, body="Group opener")
    block(actor=ana, blocked=chen)
    reply(chen, group, "Hidden from Ana")
    conversation_leave(actor=ana, conversation_id=group.conversation_id)
    reply(ben, group, "After Ana left")

    exported = datarights.export_member_data(ana)
    json.dumps(exported)  # serialisable
    conversations = {c["id"]: c for c in exported["messages"]}
    one = conversations[direct.conversation_id]
    assert [m["body"] for m in one["messages"]] == [f"{CANARY} sent by Ana", "Received by Ana"]
    assert [m["sent_by_you"] for m in one["messages"]] == [True, False]
    assert one["your_settings"]["muted"] is False  # Ana's own; Ben's mute is not hers
    assert one["other_participants"] == [
        {"handle": "ben", "display_name": "Ben Okafor", "left": False}
    ]
    assert "muted" not in json.dumps(one["other_participants"])
    two = conversations[group.conversation_id]
    assert [m["body"] for m in two["messages"]] == ["Group opener"]
    assert two["your_settings"]["status"] == "left"


def test_erase_removes_every_trace_of_the_member_text(world):
    """After erase + delete no row of this app holds the canary; others see the message as
    deleted, and empty conversations are gone."""
    ana, ben, chen = world
    direct = start(ana, ben, body=f"{CANARY} one-to-one")
    reply(ben, direct, "Ben's reply stays")
    group = start(ana, ben, chen, body=f"{CANARY} in the group")
    deleted = reply(ana, group, f"{CANARY} already deleted")
    message_delete(actor=ana, conversation_id=group.conversation_id, message_id=deleted.pk)
    alone = start(ana, ProfileFactory().user, body=f"{CANARY} a request")
    Participant.objects.filter(conversation_id=alone.conversation_id).exclude(user=ana).delete()

    exported = datarights.export_member_data(ana)
    assert CANARY in json.dumps(exported)
    assert rows_containing(CANARY)

    datarights.erase_member_data(ana)
    ana.delete()

    assert rows_containing(CANARY) == []
    kept = Message.objects.get(pk=direct.pk)
    assert kept.is_deleted and kept.sender_id is None
    assert Message.objects.get(body="Ben's reply stays")
    assert Conversation.objects.get(pk=direct.conversation_id).direct_key is None
    assert not Conversation.objects.filter(pk=alone.conversation_id).exists()
    assert not Participant.objects.filter(user_id=ana.pk).exists()


def test_erase_with_anonymise_still_erases_private_messages(world):
    """Keeping public contributions does not keep private messages."""
    ana, ben, _ = world
    start(ana, ben, body=f"{CANARY} private")
    datarights.erase_member_data(ana, anonymise=True)
    ana.delete()
    assert rows_containing(CANARY) == []
