"""Capacity under concurrency (PostgreSQL): many members registering at once for the last
places never exceed the capacity, nobody is registered twice, the rest are waitlisted."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from rounds.core.errors import Conflict
from rounds.events import services
from rounds.events.access import access_event
from rounds.events.models import Event, Registration

from .factories import make_event, new_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real threads"
    ),
]

THREADS = 60
CAPACITY = 10


def _run_in_threads(users, work):
    barrier = threading.Barrier(len(users))
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def run(user):
        try:
            barrier.wait(timeout=30)
            results[user.pk] = work(user)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return results, errors


def test_fifty_plus_threads_at_capacity_ten():
    event = make_event(capacity=CAPACITY)
    users = [new_user() for _ in range(THREADS)]

    def work(user):
        fresh = access_event(user, event.pk)
        return services.register(actor=user, event=fresh).state

    results, errors = _run_in_threads(users, work)
    assert errors == []
    assert len(results) == THREADS
    rows = Registration.objects.filter(event=event)
    assert rows.count() == THREADS  # one row per member, no duplicates
    assert rows.filter(state="going").count() == CAPACITY
    assert rows.filter(state="waitlisted").count() == THREADS - CAPACITY
    event = Event.objects.get(pk=event.pk)
    assert event.going_count == CAPACITY
    assert event.waitlist_count == THREADS - CAPACITY
    assert sorted(results.values()).count("going") == CAPACITY


def test_same_member_registering_concurrently_gets_one_row():
    event = make_event(capacity=CAPACITY)
    user = new_user()
    clones = [type(user).objects.get(pk=user.pk) for _ in range(8)]

    def work(member):
        try:
            return services.register(actor=member, event=access_event(member, event.pk)).state
        except Conflict:
            return "conflict"

    barrier_users = clones
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(barrier_users))

    def run(member):
        try:
            barrier.wait(timeout=30)
            results.append(work(member))
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(m,)) for m in barrier_users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    close_old_connections()
    assert errors == []
    assert sorted(results) == ["conflict"] * 7 + ["going"]
    assert Registration.objects.filter(event=event).count() == 1
    assert Event.objects.get(pk=event.pk).going_count == 1


def test_concurrent_cancellations_promote_exactly_the_freed_places():
    event = make_event(capacity=CAPACITY)
    going = [new_user() for _ in range(CAPACITY)]
    waiting = [new_user() for _ in range(15)]
    for user in going + waiting:
        services.register(actor=user, event=access_event(user, event.pk))

    def work(user):
        return services.registration_cancel(actor=user, event=access_event(user, event.pk)).state

    _results, errors = _run_in_threads(going[:5], work)
    assert errors == []
    rows = Registration.objects.filter(event=event)
    assert rows.filter(state="going").count() == CAPACITY
    assert rows.filter(state="waitlisted").count() == 10
    promoted = set(rows.filter(state="going", user__in=waiting).values_list("user_id", flat=True))
    assert promoted == {u.pk for u in waiting[:5]}  # first in, first promoted
    event = Event.objects.get(pk=event.pk)
    assert (event.going_count, event.waitlist_count) == (CAPACITY, 10)
