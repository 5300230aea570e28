"""The ``events`` stage of the benchmark dataset (issue 7): consistent counts (going, waitlist,
shifts, capacity), the 2,000-registrant event scaled down, and the bench viewer's registrations
— on SQLite (ORM) and PostgreSQL (COPY)."""

from __future__ import annotations

import importlib

import pytest


def _forget_stages() -> None:
    """The marker table is not a Django model: transactional tests do not empty it."""
    from django.db import connection

    from bench.generate import MARKER_TABLE, _ensure_marker

    with connection.cursor() as cursor:
        _ensure_marker(cursor)
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")


@pytest.fixture
def events_dataset(transactional_db):
    """A small tier with the community, connections and events stages built."""
    from django.apps import apps

    from bench.generate import STAGES, StageContext, run_stage
    from bench.tiers import Tier

    _forget_stages()
    # Transactional tests flush the database, vocabularies included: load them again.
    importlib.import_module("rounds.profiles.migrations.0002_load_vocabularies").load(apps, None)
    tier = Tier("T", members=600, connections=6_000, posts=0, events=300, groups=0)
    ctx = StageContext(tier=tier, seed=5)
    names = [stage.name for stage in STAGES]
    assert "events" in names and names.index("events") > names.index("connections")
    for stage in STAGES:
        if stage.name in ("community", "connections", "events"):
            run_stage(stage, ctx)
    yield tier
    _forget_stages()


def test_events_stage_is_consistent(events_dataset):
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    from bench.events import BIG_EVENT_TITLE, BIG_REGISTRANTS, VIEWER_GOAL, events_context
    from rounds.accounts.models import User
    from rounds.events.models import Event, EventShift, Registration
    from rounds.profiles.demo import DEMO_EMAIL

    assert Event.objects.count() == events_dataset.events
    counted = Event.objects.annotate(
        going=Count("registrations", filter=Q(registrations__state__in=("going", "attended"))),
        waiting=Count("registrations", filter=Q(registrations__state="waitlisted")),
    )
    for event in counted:
        assert (event.going_count, event.waitlist_count) == (event.going, event.waiting)
        if event.capacity is not None:
            assert event.going_count <= event.capacity
        if event.waitlist_count:
            assert event.capacity is not None and event.going_count == event.capacity
        assert event.ends_at >= event.starts_at
        if event.state == "draft":
            assert event.going_count == 0 and event.published_at is None
    for shift in EventShift.objects.annotate(
        going=Count("registrations", filter=Q(registrations__state__in=("going", "attended")))
    ):
        assert shift.going_count == shift.going
        assert shift.capacity is None or shift.capacity >= max(shift.going, 1)
    now = timezone.now()
    assert not Registration.objects.filter(state="attended", event__starts_at__gt=now).exists()
    assert Event.objects.filter(starts_at__lt=now).exists()
    assert Event.objects.filter(starts_at__gt=now).exists()

    viewer = User.objects.get(email=DEMO_EMAIL)
    big = Event.objects.get(pk=int(events_context()["event"]))
    assert big.title == BIG_EVENT_TITLE and big.starts_at > now and big.state == "published"
    wanted = min(BIG_REGISTRANTS, User.objects.filter(is_staff=False).count() - 2)
    assert Registration.objects.filter(event=big).count() >= wanted  # all but the organizer
    mine = Registration.objects.get(event=big, user=viewer)
    assert mine.state == "going" and mine.goal == VIEWER_GOAL and mine.goal_tags.count() == 3
    assert Registration.objects.filter(event=big, roster_visibility="hidden").exists()
    states = set(
        Registration.objects.filter(user=viewer).exclude(event=big).values_list("state", flat=True)
    )
    assert {"going", "interested", "waitlisted", "attended"} <= states
    # a pending follow-up: an event with CME credits the viewer attended last week
    assert Registration.objects.filter(
        user=viewer,
        state="attended",
        follow_up="pending",
        event__cme_credits__gt=0,
        event__ends_at__gt=now - timedelta(days=30),
        event__ends_at__lte=now,
    ).exists()
