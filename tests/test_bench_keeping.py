"""The ``keeping`` stage of the benchmark dataset (issue 5): consistent conversations, the
viewer's fixed amounts, notifications, and one contact per connection side with the notebook's
own due-date rule — on SQLite (ORM) and PostgreSQL (COPY and INSERT … SELECT)."""

from __future__ import annotations

import importlib
from collections import Counter

import pytest


def _forget_stages() -> None:
    """The marker table is not a Django model: transactional tests do not empty it."""
    from django.db import connection

    from bench.generate import MARKER_TABLE, _ensure_marker

    with connection.cursor() as cursor:
        _ensure_marker(cursor)
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")


@pytest.fixture
def keeping_dataset(transactional_db):
    """A small tier with the community, connections and keeping stages built."""
    from django.apps import apps

    from bench.generate import STAGES, StageContext, run_stage
    from bench.tiers import Tier

    _forget_stages()
    # Transactional tests flush the database, vocabularies included: load them again.
    importlib.import_module("rounds.profiles.migrations.0002_load_vocabularies").load(apps, None)
    tier = Tier("T", members=600, connections=6_000, posts=0, events=0, groups=0)
    ctx = StageContext(tier=tier, seed=5)
    names = [stage.name for stage in STAGES]
    assert "keeping" in names and names.index("keeping") > names.index("connections")
    for stage in STAGES:
        if stage.name in ("community", "connections", "keeping"):
            run_stage(stage, ctx)
    yield tier
    _forget_stages()


def test_keeping_stage_builds_consistent_conversations(keeping_dataset):
    """Ids follow time, denormalised last messages and read markers agree with the messages,
    the viewer has 300 conversations (one of 1,000 messages), 1,000 notifications and 2,000
    contacts, and every other member's connection is a contact due by the notebook's rule."""
    from django.db.models import Count, Max

    from bench.keeping import BIG_CONVERSATION, VIEWER_CONVERSATIONS, keeping_context
    from rounds.accounts.models import User
    from rounds.messaging.models import Conversation, Message, Participant, body_html_of
    from rounds.network.models import Connection
    from rounds.profiles.demo import DEMO_EMAIL

    viewer = User.objects.get(email=DEMO_EMAIL)
    times = list(Message.objects.order_by("id").values_list("created_at", flat=True))
    assert len(times) > 5_000
    assert times == sorted(times)
    for body, html, deleted in Message.objects.values_list("body", "body_html", "deleted_at")[::97]:
        assert html == body_html_of(body) and (deleted is None) == bool(body)
    last = dict(
        Message.objects.values("conversation_id")
        .annotate(top=Max("id"))
        .values_list("conversation_id", "top")
    )
    assert dict(Conversation.objects.values_list("id", "last_message_id")) == last
    seats = list(
        Participant.objects.values_list(
            "conversation_id",
            "user_id",
            "status",
            "last_message_id",
            "last_read_message_id",
            "history_end_id",
        )
    )
    for conversation_id, _, status, seen_last, read, history_end in seats:
        if status == "left":
            assert history_end == seen_last == read
        else:
            assert seen_last == last[conversation_id]
        assert read is None or read <= seen_last
    mine = [s for s in seats if s[1] == viewer.pk]
    assert len(mine) == VIEWER_CONVERSATIONS
    assert Counter(s[2] for s in mine)["left"] == 3
    assert 5 <= sum(1 for s in mine if s[4] is None or s[4] < s[3]) <= 25  # unread
    big = int(keeping_context()["conversation"])
    assert Message.objects.filter(conversation_id=big).count() == BIG_CONVERSATION
    assert big in {s[0] for s in mine}
    ties = set(Connection.objects.values_list("owner_id", "other_id"))
    requests = {s[0] for s in seats if s[2] in ("request", "ignored")}
    directs = list(Conversation.objects.filter(kind="direct").annotate(n=Count("participants")))
    connected = 0
    for conversation in directs:
        assert conversation.n == 2
        a, b = (int(x) for x in conversation.direct_key.split(":"))
        connected += (a, b) in ties
        if conversation.pk in requests:
            assert (a, b) not in ties  # message requests go to non-connections
    assert connected >= 0.9 * len(directs)
    groups = Conversation.objects.filter(kind="group").annotate(n=Count("participants"))
    assert groups.exists() and all(3 <= g.n <= 20 for g in groups)
    _check_notifications_and_notebook()


def _check_notifications_and_notebook():
    """The viewer has 1,000 notifications (some unread) and 2,000 contacts; every connection
    side of another member is a contact whose due date follows the notebook's rule."""
    from django.utils import timezone

    from bench.keeping import VIEWER_CONTACTS, VIEWER_NOTIFICATIONS
    from rounds.accounts.models import User
    from rounds.contacts.models import Contact, ContactNote
    from rounds.contacts.services import (
        compute_due,
        effective_cadence,
        settings_for,
        tag_cadences_for,
    )
    from rounds.network.models import Connection
    from rounds.notifications.models import Kind, Notification
    from rounds.profiles.demo import DEMO_EMAIL

    viewer = User.objects.get(email=DEMO_EMAIL)
    mine = Notification.objects.filter(recipient=viewer)
    assert mine.count() == VIEWER_NOTIFICATIONS
    unread = mine.filter(read_at__isnull=True).count()
    assert 30 <= unread <= 400
    assert set(mine.values_list("kind", flat=True)) <= set(Kind.values)
    assert all(url == "" or url.startswith("/") for url in mine.values_list("url", flat=True))

    notebook = Contact.objects.filter(owner=viewer)
    assert notebook.count() == VIEWER_CONTACTS
    assert (
        notebook.filter(member__isnull=False).count()
        == Connection.objects.filter(owner=viewer).count()
    )
    assert ContactNote.objects.filter(contact__owner=viewer).count() > 1_000
    sides = set(Connection.objects.exclude(owner=viewer).values_list("owner_id", "other_id"))
    contacts = set(
        Contact.objects.exclude(owner=viewer)
        .filter(member__isnull=False)
        .values_list("owner_id", "member_id")
    )
    assert contacts == sides
    settings = settings_for(viewer.pk)
    cadences = tag_cadences_for(viewer.pk)
    for contact in notebook.order_by("id")[::37]:
        cadence = effective_cadence(contact, settings, cadences.get(contact.pk))
        assert contact.due_at == compute_due(contact, cadence)
    for contact in Contact.objects.exclude(owner=viewer).order_by("id")[::997]:
        cadence = effective_cadence(contact, settings_for(contact.owner_id), None)
        assert contact.due_at == compute_due(contact, cadence)
    due = notebook.filter(archived=False, due_at__lte=timezone.now())
    assert 200 <= due.count() <= 1_800  # spread: many overdue, many not yet


def test_keeping_targets_answer_for_the_viewer(keeping_dataset, client):
    """The pages the keeping targets measure answer 200 for the viewer with real content."""
    from bench.keeping import keeping_context
    from bench.targets import TARGETS
    from rounds.accounts.models import User
    from rounds.profiles.demo import DEMO_EMAIL

    client.force_login(User.objects.get(email=DEMO_EMAIL))
    context = {"handle": "x", "q": "x", "specialty": "x", "org": "x", **keeping_context()}
    keep = [t for t in TARGETS if t.name.startswith("keep:") and t.auth == "session"]
    assert len(keep) >= 4
    for target in keep:
        response = client.get(target.url_path(context))
        assert response.status_code == 200, target.name
        assert len(response.content) > 2_000, target.name
