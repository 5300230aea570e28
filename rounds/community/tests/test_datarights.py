"""Data rights of groups and forums: the export holds the member's texts and memberships;
erasure hands owned groups over and leaves no trace of the member's texts."""

from __future__ import annotations

import json

import pytest
from django.db import models, transaction

from rounds.community import datarights
from rounds.community.models import Group, GroupMembership, GroupTopic, Reply, Thread
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_member, make_group, make_reply, make_thread

pytestmark = pytest.mark.django_db

CANARY = "canary-c0mmun1ty"
COMMUNITY_MODELS = [Group, GroupTopic, GroupMembership, Thread, Reply]


def rows_containing(text: str) -> list[tuple[str, int]]:
    """Every row of this app's tables with ``text`` in any text column."""
    found = []
    for model in COMMUNITY_MODELS:
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
    """Ana owns a solo group and a shared one, and writes threads and replies; Ben replies."""
    ana = ProfileFactory(handle="ana-dr").user
    ben = ProfileFactory(handle="ben-dr").user
    solo = make_group(
        ana, name=f"{CANARY} solo", description=f"{CANARY} about", topics=[CANARY[:30]]
    )
    shared = make_group(ana, name="Shared forum")
    add_member(shared, ben)
    thread = make_thread(shared, ana, title=f"{CANARY} title", body=f"{CANARY} body")
    Thread.objects.filter(pk=thread.pk).update(moderation_reason=f"{CANARY} reason")
    bens_thread = make_thread(shared, ben, title="Ben asks", body="Anyone?")
    reply = make_reply(bens_thread, ana, body=f"{CANARY} reply")
    Reply.objects.filter(pk=reply.pk).update(moderation_reason=f"{CANARY} reply reason")
    make_reply(thread, ben, body="Ben answers Ana")
    return ana, ben, solo, shared


def test_export_holds_the_members_texts_and_memberships(world):
    """Memberships, created groups, threads and replies with every text; not others' replies."""
    ana, _ben, solo, shared = world
    data = datarights.export_member_data(ana)
    dumped = json.dumps(data)
    for text in ("solo", "about", "title", "body", "reason", "reply", "reply reason"):
        assert f"{CANARY} {text}" in dumped, text
    assert "Ben answers Ana" not in dumped and "Anyone?" not in dumped
    assert {m["group"]: m["role"] for m in data["group_memberships"]} == {
        solo.slug: "owner",
        shared.slug: "owner",
    }


def test_erase_hands_over_shared_groups_and_deletes_texts(world):
    """Solo groups go, shared ones get a new owner, the member's texts leave no row."""
    ana, ben, solo, shared = world
    with transaction.atomic():
        datarights.erase_member_data(ana, anonymise=False)
        ana.delete()
    assert rows_containing(CANARY) == []
    assert not Group.objects.filter(pk=solo.pk).exists()
    shared.refresh_from_db()
    assert shared.member_count == 1
    assert GroupMembership.objects.get(group=shared).user == ben
    assert GroupMembership.objects.get(group=shared).role == "owner"
    bens = Thread.objects.get()
    assert bens.title == "Ben asks" and bens.reply_count == 0


def test_erase_with_anonymise_keeps_contributions_as_former_member(world):
    """With anonymise, threads and replies stay with no author, without the member's handle
    and the moderators' reasons."""
    ana = world[0]
    Thread.objects.filter(author=ana).update(body="Ask ana-dr or ANA-DR about it")
    with transaction.atomic():
        datarights.erase_member_data(ana, anonymise=True)
        ana.delete()
    kept = Thread.objects.get(title=f"{CANARY} title")
    assert kept.author_id is None and kept.moderation_reason == ""
    assert kept.body == "Ask Former member or Former member about it"
    assert Reply.objects.get(body=f"{CANARY} reply").author_id is None
