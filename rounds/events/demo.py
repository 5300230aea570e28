"""Demo events for ``seed_demo``: the demo member finds upcoming events to browse and ones they
are going to, an event they organize (and a draft), and past events — one with CME credits
they attended — so every page of the events section has something to show.

Everything goes through the event services (guard, counts, waitlist, notifications); past
events are created upcoming and then moved back in time, as a real calendar would have them.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from rounds.accounts.models import User
from rounds.core.errors import ApplicationError

from . import list_cache, services
from .models import Event, Registration

#: (title, kind, zone, days from now, hours, place or None for online, capacity, credits,
#: description) — ordinary professional texts that pass the professionalism guard.
UPCOMING: list[tuple[str, str, str, int, int, str | None, int | None, str | None, str]] = [
    (
        "Hospital medicine networking evening",
        "networking",
        "America/Chicago",
        6,
        3,
        "Chicago",
        60,
        None,
        "Meet hospitalists from across the region. Short lightning talks, then **open "
        "networking**. Bring one question you want answered.",
    ),
    (
        "Sepsis quality improvement workshop",
        "workshop",
        "America/New_York",
        12,
        4,
        "Boston",
        25,
        "3.5",
        "Hands-on session on sepsis bundles: measuring compliance, running PDSA cycles and "
        "presenting results to leadership.",
    ),
    (
        "Point-of-care ultrasound webinar",
        "webinar",
        "Europe/Berlin",
        9,
        1,
        None,
        None,
        "1.0",
        "A one-hour introduction to bedside ultrasound for internists, with recorded cases.",
    ),
    (
        "Regional cardiology conference",
        "conference",
        "America/Chicago",
        30,
        8,
        "Milwaukee",
        300,
        "6.0",
        "Two tracks: heart failure and interventional cardiology. Poster session at lunch.",
    ),
    (
        "Free community health fair",
        "volunteering",
        "America/Chicago",
        16,
        6,
        "Chicago",
        None,
        None,
        "Volunteers run blood-pressure screening and health education booths. Spanish "
        "speakers especially welcome.",
    ),
    (
        "Internal medicine department meeting",
        "department_meeting",
        "America/Chicago",
        4,
        1,
        "Chicago",
        None,
        None,
        "Monthly department meeting: schedules, teaching assignments and open questions.",
    ),
    (
        "Medical education journal club",
        "networking",
        "Europe/London",
        20,
        2,
        None,
        40,
        "1.5",
        "We discuss one recent paper on assessment in residency training. Online.",
    ),
    (
        "Antibiotic stewardship round table",
        "workshop",
        "America/Los_Angeles",
        45,
        3,
        "San Francisco",
        12,
        "2.0",
        "Small-group discussion of stewardship programs that worked, and ones that did not.",
    ),
]

PAST: list[tuple[str, str, str, int, str | None, str | None, str]] = [
    (
        "Heart failure update 2026",
        "conference",
        "America/Chicago",
        14,
        "Chicago",
        "4.0",
        "Guideline updates and case discussions in heart failure management.",
    ),
    (
        "Residents' mentoring mixer",
        "networking",
        "America/Chicago",
        25,
        "Chicago",
        None,
        "Residents meet attendings and fellows for informal mentoring conversations.",
    ),
    (
        "Clinical documentation workshop",
        "workshop",
        "America/New_York",
        40,
        None,
        "2.0",
        "Practical tips for clear, concise documentation that supports good handovers.",
    ),
]

MY_EVENT = (
    "Hospitalist peer coaching circle",
    "Monthly peer coaching for hospitalists: one case, one challenge, forty-five minutes. "
    "Open to members of all career stages.",
)


def _topics_and_specialties(rng: random.Random) -> tuple[list[str], list[str]]:
    from rounds.profiles.models import Interest, Specialty

    specialties = list(Specialty.objects.order_by("slug").values_list("slug", flat=True)[:40])
    topics = list(Interest.objects.order_by("slug").values_list("slug", flat=True)[:40])
    return (
        rng.sample(specialties, min(2, len(specialties))),
        rng.sample(topics, min(2, len(topics))),
    )


def _make(
    organizer: Any,
    *,
    title: str,
    kind: str,
    zone: str,
    start: Any,
    hours: int,
    place: str | None,
    capacity: int | None,
    credits: str | None,
    description: str,
    rng: random.Random,
) -> Event:
    specialties, topics = _topics_and_specialties(rng)
    event = services.event_create(
        actor=organizer,
        title=title,
        kind=kind,
        description=description,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        time_zone=zone,
        is_online=place is None,
        city=place or "",
        venue="" if place is None else f"{place} Medical Center",
        join_url="https://meet.example.org/rounds-demo" if place is None else "",
        capacity=capacity,
        cme_credits=credits,
        specialties=specialties,
        topics=topics,
        skills=["spanish", "blood pressure screening"] if kind == "volunteering" else None,
        acknowledge_warnings=True,
    )
    services.event_publish(actor=organizer, event=event)
    return Event.objects.get(pk=event.pk)


def _register(event: Event, user: Any, state: str = "going", **kwargs: Any) -> None:
    try:
        services.register(actor=user, event=Event.objects.get(pk=event.pk), state=state, **kwargs)
    except ApplicationError:  # a demo registration that does not fit (full shift...) is skipped
        return


def seed_demo_events(*, demo_user_id: int | None, seed: int) -> int:
    """Create the demo events; returns how many (0 when the demo member already organizes
    events, or there is no demo member)."""
    if demo_user_id is None or Event.objects.filter(organizer_id=demo_user_id).exists():
        return 0
    # Leftovers of ``seed_demo --reset`` (their organizers and registrants were deleted).
    Event.objects.filter(organizer__isnull=True, registrations__isnull=True).delete()
    rng = random.Random(seed + 7)
    demo = User.objects.get(pk=demo_user_id)
    others = list(
        User.objects.filter(is_active=True, profile__isnull=False, is_staff=False)
        .exclude(pk=demo_user_id)
        .order_by("id")[:200]
    )
    if len(others) < 4:
        return 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    created = 0
    upcoming: list[Event] = []
    for index, (title, kind, zone, days, hours, place, capacity, credits, text) in enumerate(
        UPCOMING
    ):
        organizer = others[index % len(others)]
        event = _make(
            organizer,
            title=title,
            kind=kind,
            zone=zone,
            start=now + timedelta(days=days, hours=rng.randint(0, 6)),
            hours=hours,
            place=place,
            capacity=capacity,
            credits=credits,
            description=text,
            rng=rng,
        )
        if kind == "volunteering":
            for number, (label, offset) in enumerate(
                (("Morning booth", 0), ("Afternoon booth", 3))
            ):
                services.shift_add(
                    actor=organizer,
                    event=Event.objects.get(pk=event.pk),
                    title=label,
                    starts_at=event.starts_at + timedelta(hours=offset),
                    ends_at=event.starts_at + timedelta(hours=offset + 3),
                    capacity=6 + number,
                )
        upcoming.append(event)
        created += 1
        for user in rng.sample(others, min(len(others), rng.randint(4, 14))):
            if user.pk == organizer.pk:
                continue
            shift = None
            if kind == "volunteering":
                shift = event.shifts.order_by("id").values_list("pk", flat=True)[rng.randint(0, 1)]
            _register(
                event,
                user,
                rng.choice(["going", "going", "going", "interested"]),
                roster_visibility=rng.choice(["registrants", "registrants", "hidden"]),
                shift=shift,
            )
    # The demo member: going to three, interested in one, on a small event's waitlist maybe.
    for event in upcoming[:3]:
        _register(event, demo, "going")
    _register(upcoming[6], demo, "interested")
    # The demo member organizes one upcoming event (with a co-organizer) and has a draft.
    title, text = MY_EVENT
    mine = _make(
        demo,
        title=title,
        kind="networking",
        zone="America/Chicago",
        start=now + timedelta(days=10, hours=2),
        hours=1,
        place=None,
        capacity=20,
        credits=None,
        description=text,
        rng=rng,
    )
    services.co_organizer_add(
        actor=demo, event=Event.objects.get(pk=mine.pk), handle=others[0].profile.handle
    )
    for user in others[1:6]:
        _register(mine, user)
    services.event_create(
        actor=demo,
        title="Grand rounds: diagnostic reasoning",
        description="Draft: speakers to be confirmed.",
        starts_at=now + timedelta(days=60),
        ends_at=now + timedelta(days=60, hours=1),
        time_zone="America/Chicago",
        city="Chicago",
    )
    created += 2
    # Past events: the demo member went to two and attended the one with CME credits.
    for index, (title, kind, zone, days_ago, place, credits, text) in enumerate(PAST):
        organizer = others[(index + 3) % len(others)]
        event = _make(
            organizer,
            title=title,
            kind=kind,
            zone=zone,
            start=now + timedelta(days=1),
            hours=4,
            place=place,
            capacity=None,
            credits=credits,
            description=text,
            rng=rng,
        )
        attendees = [u for u in rng.sample(others, min(len(others), 10)) if u != organizer]
        if index < 2:
            attendees.append(demo)
        for user in attendees:
            _register(event, user)
        start = now - timedelta(days=days_ago)
        Event.objects.filter(pk=event.pk).update(
            starts_at=start, ends_at=start + timedelta(hours=4)
        )
        list_cache.events_list_changed()  # an update() the signals do not see
        event = Event.objects.get(pk=event.pk)
        for user in attendees:
            if user is demo and credits is None:
                continue  # went, but the organizer did not take attendance for the demo
            if Registration.objects.filter(event=event, user=user, state="going").exists():
                services.attendance_mark(actor=organizer, event=event, user_id=user.pk)
        created += 1
    return created
