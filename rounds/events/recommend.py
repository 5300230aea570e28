"""Recommended events: upcoming events the member may see, ranked by their specialties, goals
and interests and by where their connections are going, with the reasons.

``recommended_events_for`` gathers a bounded pool (at most ``POOL`` soonest upcoming events
from each source: the member's specialties, their interests and goals as event topics, their
connections' registrations, their city, volunteering when they are open to it), filters it
through the one visibility rule (``access.visible_events_q``), and scores it with the pure
``score_event``. About ten queries whatever the number of events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from . import whotomeet
from .models import Event, Kind, Registration, RegistrationState, State

#: Soonest upcoming events taken from each source.
POOL = 150
#: Only events starting within this horizon are recommended.
HORIZON = timedelta(days=365)
#: The list is at most this long.
LIMIT = 50

SHARED_SPECIALTY = 2.0
TOPIC_OF_INTEREST = 1.5
TOPIC_OF_GOAL = 1.5
GOAL_WORDS = 1.0
VOLUNTEERING = 1.5
CONNECTION_GOING = 1.0
MAX_CONNECTIONS_COUNTED = 5
SAME_CITY = 0.5
MAX_REASONS = 4


@dataclass(frozen=True)
class MemberFacts:
    """What recommends an event to a member."""

    specialties: frozenset[int] = frozenset()
    interests: frozenset[int] = frozenset()
    #: Interests with the slug of one of the member's goals ("quality-improvement").
    goal_interests: frozenset[int] = frozenset()
    goal_names: tuple[str, ...] = ()
    city: str = ""
    open_to_volunteering: bool = False


@dataclass(frozen=True)
class EventFacts:
    event_id: int
    title: str
    kind: str
    is_online: bool
    city: str
    specialties: frozenset[int] = frozenset()
    topics: frozenset[int] = frozenset()
    connections_going: int = 0


@dataclass(frozen=True)
class Scored:
    event_id: int
    score: float
    reasons: tuple[str, ...]
    connections_going: int


def score_event(
    member: MemberFacts,
    event: EventFacts,
    *,
    specialty_names: Mapping[int, str],
    topic_names: Mapping[int, str],
) -> Scored:
    """Score one event for ``member`` (pure)."""
    weighted: list[tuple[float, str]] = []
    score = 0.0
    specialties = sorted(
        specialty_names.get(i, "") for i in member.specialties & event.specialties
    )[:2]
    if specialties:
        points = SHARED_SPECIALTY * len(specialties)
        score += points
        label = " and ".join(specialties)
        weighted.append((points, f"{label}, your specialt{'ies' if len(specialties) > 1 else 'y'}"))
    goal_topics = sorted(topic_names.get(i, "") for i in member.goal_interests & event.topics)
    if goal_topics:
        points = TOPIC_OF_GOAL * min(len(goal_topics), 2)
        score += points
        weighted.append((points, f"Fits your goal {goal_topics[0]}"))
    interests = sorted(
        topic_names.get(i, "") for i in (member.interests & event.topics) - member.goal_interests
    )[:2]
    if interests:
        points = TOPIC_OF_INTEREST * len(interests)
        score += points
        weighted.append((points, f"On {interests[0]}, one of your interests"))
    if not goal_topics and member.goal_names:
        title_words = whotomeet.words(event.title)
        for name in member.goal_names:
            if whotomeet.words(name) and whotomeet.words(name) <= title_words:
                score += GOAL_WORDS
                weighted.append((GOAL_WORDS, f"Fits your goal {name}"))
                break
    if event.kind == Kind.VOLUNTEERING and member.open_to_volunteering:
        score += VOLUNTEERING
        weighted.append((VOLUNTEERING, "You are open to volunteering"))
    if event.connections_going:
        counted = min(event.connections_going, MAX_CONNECTIONS_COUNTED)
        points = CONNECTION_GOING * counted
        score += points
        n = event.connections_going
        weighted.append((points, f"{n} of your connections {'is' if n == 1 else 'are'} going"))
    if (
        member.city
        and not event.is_online
        and event.city
        and event.city.casefold() == member.city.casefold()
    ):
        score += SAME_CITY
        weighted.append((SAME_CITY, f"In {event.city}"))
    order = sorted(range(len(weighted)), key=lambda i: (-weighted[i][0], i))
    return Scored(
        event_id=event.event_id,
        score=round(score, 4),
        reasons=tuple(weighted[i][1] for i in order)[:MAX_REASONS],
        connections_going=event.connections_going,
    )


@dataclass
class Recommendation:
    event: Event
    score: float
    reasons: tuple[str, ...]
    connections_going: int
    extra: dict[str, Any] = field(default_factory=dict)


def _member_facts(viewer: Any) -> MemberFacts:
    from rounds.profiles.models import Interest, Profile

    profile = (
        Profile.objects.filter(user_id=viewer.pk).only("id", "city", "open_to_volunteering").first()
    )
    if profile is None:
        return MemberFacts()
    specialties = frozenset(
        Profile.specialties.through.objects.filter(profile_id=profile.pk).values_list(
            "specialty_id", flat=True
        )
    )
    interests = frozenset(
        Profile.interests.through.objects.filter(profile_id=profile.pk).values_list(
            "interest_id", flat=True
        )
    )
    goals = list(
        Profile.goals.through.objects.filter(profile_id=profile.pk).values_list(
            "goal__slug", "goal__name"
        )
    )
    goal_interests = (
        frozenset(
            Interest.objects.filter(slug__in=[slug for slug, _ in goals]).values_list(
                "id", flat=True
            )
        )
        if goals
        else frozenset()
    )
    return MemberFacts(
        specialties=specialties,
        interests=interests,
        goal_interests=goal_interests,
        goal_names=tuple(sorted(name for _, name in goals)),
        city=profile.city,
        open_to_volunteering=profile.open_to_volunteering
        or any(slug == "volunteering" for slug, _ in goals),
    )


def _pool(viewer: Any, member: MemberFacts, now: Any) -> set[int]:
    from rounds.network.models import Connection

    upcoming = Q(event__state=State.PUBLISHED, event__starts_at__gt=now) & Q(
        event__starts_at__lte=now + HORIZON
    )
    pool: set[int] = set()
    if member.specialties:
        pool.update(
            Event.specialties.through.objects.filter(upcoming)
            .filter(specialty_id__in=member.specialties)
            .order_by("event__starts_at")
            .values_list("event_id", flat=True)[:POOL]
        )
    topics = member.interests | member.goal_interests
    if topics:
        pool.update(
            Event.topics.through.objects.filter(upcoming)
            .filter(interest_id__in=topics)
            .order_by("event__starts_at")
            .values_list("event_id", flat=True)[:POOL]
        )
    pool.update(
        Registration.objects.filter(upcoming)
        .filter(
            state=RegistrationState.GOING,
            user_id__in=Connection.objects.filter(owner_id=viewer.pk).values("other_id"),
        )
        .order_by("event__starts_at")
        .values_list("event_id", flat=True)[:POOL]
    )
    direct = Q(state=State.PUBLISHED, starts_at__gt=now, starts_at__lte=now + HORIZON)
    if member.city:
        pool.update(
            Event.objects.filter(direct, city__iexact=member.city, is_online=False)
            .order_by("starts_at")
            .values_list("id", flat=True)[:POOL]
        )
    if member.open_to_volunteering:
        pool.update(
            Event.objects.filter(direct, kind=Kind.VOLUNTEERING)
            .order_by("starts_at")
            .values_list("id", flat=True)[:POOL]
        )
    return pool


def recommended_events_for(*, viewer: Any, limit: int = LIMIT) -> list[Recommendation]:
    """Upcoming events recommended to ``viewer`` (a member), best first, each with reasons.

    Leaves out events they registered for (in any active state) or organize, and events they
    may not see (``visible_events_q``: drafts, moderated, private groups, blocks). An event
    with no reason at all is not recommended."""
    from rounds.network.models import Connection

    from .access import visible_events_q

    if viewer is None or not viewer.is_authenticated:
        return []
    now = timezone.now()
    member = _member_facts(viewer)
    pool = _pool(viewer, member, now)
    if not pool:
        return []
    mine = Registration.objects.filter(
        user_id=viewer.pk,
        state__in=(
            RegistrationState.GOING,
            RegistrationState.INTERESTED,
            RegistrationState.WAITLISTED,
            RegistrationState.ATTENDED,
        ),
    ).values("event_id")
    events = {
        event.pk: event
        for event in Event.objects.filter(visible_events_q(viewer))
        .filter(pk__in=sorted(pool), state=State.PUBLISHED, starts_at__gt=now)
        .exclude(pk__in=mine)
        .exclude(organizer_id=viewer.pk)
        .select_related("organization", "group")
    }
    if not events:
        return []
    ids = sorted(events)
    specialties: dict[int, set[int]] = defaultdict(set)
    specialty_names: dict[int, str] = {}
    for event_id, specialty_id, name in Event.specialties.through.objects.filter(
        event_id__in=ids
    ).values_list("event_id", "specialty_id", "specialty__name"):
        specialties[event_id].add(specialty_id)
        specialty_names[specialty_id] = name
    topics: dict[int, set[int]] = defaultdict(set)
    topic_names: dict[int, str] = {}
    for event_id, interest_id, name in Event.topics.through.objects.filter(
        event_id__in=ids
    ).values_list("event_id", "interest_id", "interest__name"):
        topics[event_id].add(interest_id)
        topic_names[interest_id] = name
    going = dict(
        Registration.objects.filter(
            event_id__in=ids,
            state=RegistrationState.GOING,
            user_id__in=Connection.objects.filter(owner_id=viewer.pk).values("other_id"),
        )
        .order_by()
        .values("event_id")
        .annotate(n=Count("id"))
        .values_list("event_id", "n")
    )
    scored = []
    for event_id, event in events.items():
        result = score_event(
            member,
            EventFacts(
                event_id=event_id,
                title=event.title,
                kind=event.kind,
                is_online=event.is_online,
                city=event.city,
                specialties=frozenset(specialties.get(event_id, ())),
                topics=frozenset(topics.get(event_id, ())),
                connections_going=going.get(event_id, 0),
            ),
            specialty_names=specialty_names,
            topic_names=topic_names,
        )
        if result.score > 0:
            scored.append(result)
    scored.sort(key=lambda s: (-s.score, events[s.event_id].starts_at, s.event_id))
    return [
        Recommendation(
            event=events[s.event_id],
            score=s.score,
            reasons=s.reasons,
            connections_going=s.connections_going,
        )
        for s in scored[:limit]
    ]
