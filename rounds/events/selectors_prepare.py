"""Reads for preparing and following up: who to meet, the people a member met, the attendees
they can still mark, and the follow-up reminders of their home page.

Who sees whom (the roster's consent rule, ``policies.can_see_roster``): a registrant sees the
other registrants who chose "registrants" (never the hidden ones), never members blocked
either way, never deactivated or leaving members; nobody but registrants gets a who-to-meet
list. Every list below is filtered by that rule **uncached**, right before it is shown; only
the ranking (who comes first, and why) may come from the cache.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from rounds.core.cache import LocalCopies
from rounds.core.errors import NotFound
from rounds.core.pagination import Page
from rounds.profiles.models import Profile

from . import whotomeet
from .models import (
    Event,
    EventOrganizer,
    FollowUp,
    MetAttendee,
    Registration,
    RosterVisibility,
    State,
)
from .preparation import ATTENDING_STATES, PREPARING_STATES, is_met_candidate

#: The ranking keeps this many attendees (pages of 20: ten pages).
WHO_TO_MEET_LIMIT = 200
#: A cached ranking is reused for at most this long, and only while its stamp holds: new
#: registrants (and attendees' profile edits) show within this time.
WHO_TO_MEET_SECONDS = 180
#: The follow-up reminder covers events that ended this recently.
FOLLOW_UP_DAYS = 30
HANDLE_MAX = 40


# --- who may appear ------------------------------------------------------------------------------


def _active_users_q(prefix: str = "user__") -> Q:
    return Q(**{f"{prefix}is_active": True, f"{prefix}deletion_scheduled": False})


def _active_user_subquery() -> Q:
    """``_active_users_q()`` as a per-row subquery on the user's primary key (e4, bench): as a
    join filter PostgreSQL hash-joined a sequential scan of every member (200,000 at tier M)
    to the event's registrations."""
    from rounds.accounts.models import User

    active = User.objects.filter(pk=OuterRef("user_id"), deletion_scheduled=False).values(
        "is_active"
    )[:1]
    return Q(Subquery(active))


def visible_attendees(*, viewer: Any, event: Event, states: tuple[str, ...]) -> QuerySet[Any]:
    """Registrations of ``event`` in ``states`` that ``viewer`` may see as a registrant:
    consented, active, not the viewer, no block either way."""
    from rounds.community.selectors import blocked_ids_for

    qs = Registration.objects.filter(
        event_id=event.pk,
        state__in=states,
        roster_visibility=RosterVisibility.REGISTRANTS,
    ).filter(_active_user_subquery())
    qs = qs.exclude(user_id=viewer.pk)
    blocked = blocked_ids_for(viewer)
    if blocked:
        qs = qs.exclude(user_id__in=blocked)
    return qs


# --- who to meet ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One attendee of the ranking who may be shown now, with their profile's card stamp
    (``profile_id``, ``updated_at``: the key of their cached card, see rounds.core.fragments)."""

    suggestion: whotomeet.Suggestion
    profile_id: int
    updated_at: datetime

    @property
    def user_id(self) -> int:
        return self.suggestion.user_id

    @property
    def card_row(self) -> tuple[int, datetime]:
        return (self.profile_id, self.updated_at)


def _tag_rows(field: str, column: str, name_path: str, user_ids: list[int], viewer_id: int):
    through = getattr(Profile, field).through
    return through.objects.filter(profile__user_id__in=[*user_ids, viewer_id]).values_list(
        "profile__user_id", column, name_path
    )


def _rank(viewer: Any, event: Event, registration: Registration) -> list[whotomeet.Suggestion]:
    """Load the seeker and every attendee they may see (eight queries, whatever the event's
    size) and rank them."""
    from rounds.network.models import Connection
    from rounds.profiles.models import Affiliation, Interest

    attendees = visible_attendees(viewer=viewer, event=event, states=PREPARING_STATES)
    rows = list(attendees.values_list("user_id", "user__profile__headline"))
    # The ids as a list, not a subquery (e4, bench): "IN (subquery) OR = viewer" made
    # PostgreSQL scan every profile and every tag link (716,000 interest rows at tier M) —
    # 2.3 s for a 2,000-registrant event; by id it probes the indexes (tens of ms).
    user_ids = [uid for uid, _ in rows]
    goal_tags = list(registration.goal_tags.values_list("id", "slug", "name"))
    goal_names: dict[int, str] = {gid: name for gid, _, name in goal_tags}
    interest_names: dict[int, str] = {}
    specialty_names: dict[int, str] = {}
    org_names: dict[int, str] = {}
    interest_for_goal: dict[int, int] = {}
    if goal_tags:
        by_slug = dict(
            Interest.objects.filter(slug__in=[slug for _, slug, _ in goal_tags]).values_list(
                "slug", "id"
            )
        )
        for gid, slug, _ in goal_tags:
            if slug in by_slug:
                interest_for_goal[gid] = by_slug[slug]
    traits: dict[str, dict[int, set[int]]] = {
        "specialties": defaultdict(set),
        "goals": defaultdict(set),
        "interests": defaultdict(set),
        "organizations": defaultdict(set),
    }
    for field, column, name_path, names in (
        ("specialties", "specialty_id", "specialty__name", specialty_names),
        ("goals", "goal_id", "goal__name", goal_names),
        ("interests", "interest_id", "interest__name", interest_names),
    ):
        for uid, tag_id, name in _tag_rows(field, column, name_path, user_ids, viewer.pk):
            traits[field][uid].add(tag_id)
            names[tag_id] = name
    for uid, org_id, name in Affiliation.objects.filter(
        user_id__in=[*user_ids, viewer.pk], is_current=True
    ).values_list("user_id", "organization_id", "organization__name"):
        traits["organizations"][uid].add(org_id)
        org_names[org_id] = name
    connected = set(
        Connection.objects.filter(owner_id=viewer.pk, other_id__in=user_ids).values_list(
            "other_id", flat=True
        )
    )
    for gid, iid in interest_for_goal.items():  # named like the goal when no one has it
        interest_names.setdefault(iid, goal_names.get(gid, ""))

    def frozen(kind: str, uid: int) -> frozenset[int]:
        return frozenset(traits[kind].get(uid, ()))

    seeker = whotomeet.Seeker(
        user_id=viewer.pk,
        goal=registration.goal,
        goal_tags=frozenset(gid for gid, _, _ in goal_tags),
        specialties=frozen("specialties", viewer.pk),
        goals=frozen("goals", viewer.pk),
        interests=frozen("interests", viewer.pk),
        organizations=frozen("organizations", viewer.pk),
    )
    people = [
        whotomeet.Attendee(
            user_id=uid,
            headline=headline or "",
            specialties=frozen("specialties", uid),
            goals=frozen("goals", uid),
            interests=frozen("interests", uid),
            organizations=frozen("organizations", uid),
            connected=uid in connected,
        )
        for uid, headline in rows
    ]
    vocabulary = whotomeet.Vocabulary(
        goals=goal_names,
        interests=interest_names,
        specialties=specialty_names,
        organizations=org_names,
        interest_for_goal=interest_for_goal,
    )
    return whotomeet.rank(seeker, people, vocabulary, limit=WHO_TO_MEET_LIMIT)


def _stamp(viewer: Any, event: Event, registration: Registration) -> tuple[Any, ...]:
    """What the ranking depends on and can be checked cheaply: the seeker's registration
    (goal, tags) and their network and profile (one query). Other attendees' registrations and
    profile edits are picked up within ``WHO_TO_MEET_SECONDS`` — deliberately not on every
    registration: at a large event people register all the time, and each would make every
    registrant's next view recompute the whole ranking. Who may be *shown* is never cached
    (``_shown_cards``)."""
    from rounds.network.selectors import network_stamp

    network = network_stamp(viewer.pk)
    return (registration.pk, registration.updated_at.timestamp(), network.version, network.profile)


#: Rankings this process read or computed, each with the stamp it was computed for and when
#: it stops being reused (``WHO_TO_MEET_SECONDS`` after it was computed, as in the shared
#: cache): checked exactly like the shared copy, without its round trip.
_LOCAL_RANKINGS = LocalCopies(max_chars=2_000, measure=lambda value: 1)


def who_to_meet_ranking(*, viewer: Any, event: Event) -> list[whotomeet.Suggestion]:
    """The ranked attendees for ``viewer`` (a registrant: callers check ``can_prepare``),
    computed once per stamp and kept in the shared cache (and, until the same expiry, in this
    process)."""
    import time

    from .policies import registration_of

    registration = registration_of(viewer, event)
    if registration is None or registration.state not in PREPARING_STATES:
        return []
    key = f"events:whotomeet2:{event.pk}:{viewer.pk}"
    stamp = _stamp(viewer, event, registration)
    now = time.time()
    for entry in (_LOCAL_RANKINGS.get(key), None):
        if entry is None:
            entry = cache.get(key)
        if entry is not None and entry[0] == stamp and entry[2] > now:
            _LOCAL_RANKINGS.put(key, entry)
            return entry[1]  # type: ignore[no-any-return]
    ranking = _rank(viewer, event, registration)
    entry = (stamp, ranking, now + WHO_TO_MEET_SECONDS)
    cache.set(key, entry, WHO_TO_MEET_SECONDS)
    _LOCAL_RANKINGS.put(key, entry)
    return ranking


def _shown_cards(viewer: Any, event: Event, user_ids: list[int]) -> dict[int, tuple[int, Any]]:
    """``user_id → (profile id, profile updated_at)`` for those of ``user_ids`` who may be
    shown right now — ``visible_attendees``' rule (consented, active, not leaving, not the
    viewer, no block either way), uncached: one small query.

    Raw SQL, like ``network.selectors._stamps``: it runs on every who-to-meet page and the
    ORM spent more time compiling it than the database answering it."""
    from django.db import connection as db

    from rounds.accounts.models import User
    from rounds.community.selectors import blocked_ids_for
    from rounds.core.compiled import prepared_cursor

    hidden = blocked_ids_for(viewer) | {viewer.pk}
    ids = sorted({int(uid) for uid in user_ids} - hidden)
    if not ids:
        return {}
    q = db.ops.quote_name
    registration, profile, user = (
        q(Registration._meta.db_table),
        q(Profile._meta.db_table),
        q(User._meta.db_table),
    )
    states = list(PREPARING_STATES)
    placeholders = ", ".join(["%s"] * len(states))
    params: list[Any] = [event.pk, str(RosterVisibility.REGISTRANTS), *map(str, states)]
    if db.vendor == "postgresql":
        # One text for any number of ids (an array), so it is prepared once per connection
        # (``prepared_cursor``): parsing and planning the ``IN (…)`` form took longer than
        # running it. Each id probes ``registration_unique`` (event, member) in a LATERAL
        # subquery: joined plainly, PostgreSQL (≈9 registrations per event in its statistics)
        # read all of a big event's registrations (2,000 at tier M: 0.6 ms against 0.25).
        sql = (
            f"SELECT r.user_id, p.id, p.updated_at FROM unnest(%s::bigint[]) AS x(user_id) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT r.user_id FROM {registration} r "
            f"WHERE r.event_id = %s AND r.user_id = x.user_id AND r.roster_visibility = %s "
            f"AND r.state IN ({placeholders}) LIMIT 1) r "
            f"JOIN {user} u ON u.id = r.user_id JOIN {profile} p ON p.user_id = r.user_id "
            f"WHERE u.is_active AND NOT u.deletion_scheduled"
        )
        params.insert(0, ids)
    else:
        sql = (
            f"SELECT r.user_id, p.id, p.updated_at FROM {registration} r "  # noqa: S608
            f"JOIN {user} u ON u.id = r.user_id JOIN {profile} p ON p.user_id = r.user_id "
            f"WHERE r.event_id = %s AND r.roster_visibility = %s "
            f"AND r.state IN ({placeholders}) "
            f"AND u.is_active AND NOT u.deletion_scheduled "
            f"AND r.user_id IN ({', '.join(['%s'] * len(ids))})"
        )
        params.extend(ids)
    with prepared_cursor(db) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {uid: (profile_id, _aware(updated_at)) for uid, profile_id, updated_at in rows}


def _aware(value: Any) -> datetime:
    """A timestamp read by raw SQL (SQLite returns text) as an aware datetime."""
    from datetime import UTC

    from django.utils.dateparse import parse_datetime

    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def who_to_meet_page(*, viewer: Any, event: Event, page: int, size: int) -> Page[Match]:
    """One page of the ranking: each attendee with their card stamp (people who hid
    themselves, cancelled or blocked since the ranking was computed are left out). Callers
    render the cards from the fragment cache (``card_row``)."""
    ranking = who_to_meet_ranking(viewer=viewer, event=event)
    size = max(1, min(size, 100))
    page = max(1, page)
    start = (page - 1) * size
    # Read a little beyond the page, so people dropped since the ranking do not shorten it.
    window = ranking[start : start + size + 1 + size // 2]
    cards = _shown_cards(viewer, event, [s.user_id for s in window])
    shown = [Match(s, *cards[s.user_id]) for s in window if s.user_id in cards]
    return Page(
        items=shown[:size],
        number=page,
        size=size,
        has_next=len(shown) > size or len(ranking) > start + len(window),
    )


def person_cards_html(rows: list[tuple[int, Any]]) -> dict[int, Any]:
    """Rendered ``network/_person.html`` of ``(profile id, updated_at)`` rows, by profile id,
    from the fragment cache (a person card shows only what every member may see)."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from rounds.core.fragments import cached_fragment_map
    from rounds.profiles.selectors import member_cards_by_id

    def build(pks: list[int]) -> dict[int, str]:
        return {
            pk: render_to_string("network/_person.html", {"profile": profile})
            for pk, profile in member_cards_by_id(pks).items()
        }

    cards = cached_fragment_map("event-person", rows, build)
    return {pk: mark_safe(html) for pk, html in cards.items()}  # noqa: S308


# --- people I met ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MetRow:
    """A member the viewer marked as met, with what the page offers next."""

    mark: MetAttendee
    profile: Profile
    connected: bool
    pending: bool
    #: The note offered with a connection request (set by the page).
    prefill: str = ""

    @property
    def can_connect(self) -> bool:
        return not (self.connected or self.pending)


def met_marks_for(*, viewer: Any, event: Event) -> list[MetRow]:
    """The viewer's marks at ``event`` (newest first), leaving out members who left, were
    deactivated or are blocked either way; each with the connection state (three queries)."""
    from rounds.community.selectors import blocked_ids_for
    from rounds.network.models import Connection, ConnectionRequest
    from rounds.network.selectors import pending_q
    from rounds.profiles.selectors import current_affiliations_prefetch

    marks = list(
        MetAttendee.objects.filter(event_id=event.pk, user_id=viewer.pk)
        .filter(_active_users_q("other__"))
        .exclude(other_id__in=blocked_ids_for(viewer))
        .order_by("-created_at", "-id")
    )
    if not marks:
        return []
    ids = [mark.other_id for mark in marks]
    profiles = {
        p.user_id: p
        for p in Profile.objects.filter(user_id__in=ids)
        .select_related("user")
        .prefetch_related(current_affiliations_prefetch())
        .defer("bio")
    }
    connected = set(
        Connection.objects.filter(owner_id=viewer.pk, other_id__in=ids).values_list(
            "other_id", flat=True
        )
    )
    pending: set[int] = set()
    for sender, recipient in (
        ConnectionRequest.objects.filter(pending_q())
        .filter(
            Q(sender_id=viewer.pk, recipient_id__in=ids)
            | Q(recipient_id=viewer.pk, sender_id__in=ids)
        )
        .values_list("sender_id", "recipient_id")
    ):
        pending.add(recipient if sender == viewer.pk else sender)
    return [
        MetRow(
            mark=mark,
            profile=profiles[mark.other_id],
            connected=mark.other_id in connected,
            pending=mark.other_id in pending,
        )
        for mark in marks
        if mark.other_id in profiles
    ]


def met_candidates_for(
    *, viewer: Any, event: Event, query: str = "", page: int = 1, size: int = 20
) -> Page[Any]:
    """Attendees the viewer may mark as met (people who were going or attended and let
    registrants see them, and the organizers), by name, optionally filtered by ``query``
    (name or headline); each profile says ``met`` (already marked). Three queries."""
    from rounds.community.selectors import blocked_ids_for
    from rounds.profiles.selectors import current_affiliations_prefetch

    attending = visible_attendees(viewer=viewer, event=event, states=ATTENDING_STATES)
    organizers = Q(user_id=event.organizer_id) if event.organizer_id else Q(pk__in=[])
    organizers |= Q(
        Exists(EventOrganizer.objects.filter(event_id=event.pk, user_id=OuterRef("user_id")))
    )
    qs = (
        Profile.objects.filter(_active_users_q())
        .filter(Exists(attending.filter(user_id=OuterRef("user_id"))) | organizers)
        .exclude(user_id=viewer.pk)
    )
    blocked = blocked_ids_for(viewer)
    if blocked:
        qs = qs.exclude(user_id__in=blocked)
    if query:
        qs = qs.filter(Q(display_name__icontains=query) | Q(headline__icontains=query))
    qs = (
        qs.annotate(
            met=Exists(
                MetAttendee.objects.filter(
                    event_id=event.pk, user_id=viewer.pk, other_id=OuterRef("user_id")
                )
            )
        )
        .select_related("user")
        .prefetch_related(current_affiliations_prefetch())
        .defer("bio")
        .order_by("display_name", "id")
    )
    size = max(1, min(size, 100))
    page = max(1, min(page, 500))
    offset = (page - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return Page(items=rows[:size], number=page, size=size, has_next=len(rows) > size)


def access_met_candidate(viewer: Any, event: Event, handle: Any) -> Any:
    """The member ``handle`` if ``viewer`` may mark them as met at ``event`` (an attendee they
    may see, or an organizer), else NotFound — the same answer for a missing member."""
    from rounds.accounts.models import User

    if not isinstance(handle, str) or not handle or len(handle) > HANDLE_MAX or "\x00" in handle:
        raise NotFound("No attendee with that handle.")
    user = User.objects.filter(profile__handle__iexact=handle).select_related("profile").first()
    if user is None or not is_met_candidate(viewer, event, user):
        raise NotFound("No attendee with that handle.")
    return user


def met_mark_between(viewer: Any, event: Event, other: Any) -> MetAttendee | None:
    """The viewer's mark of ``other`` at ``event``, if any."""
    return MetAttendee.objects.filter(
        event_id=event.pk, user_id=viewer.pk, other_id=other.pk
    ).first()


def met_mark_of(viewer: Any, event: Event, handle: Any) -> Any:
    """The user ``handle`` whom ``viewer`` marked at ``event`` (for unmarking even after they
    hid themselves), else NotFound."""
    from rounds.accounts.models import User

    if not isinstance(handle, str) or not handle or len(handle) > HANDLE_MAX or "\x00" in handle:
        raise NotFound("You have not marked this attendee.")
    user = User.objects.filter(
        profile__handle__iexact=handle,
        pk__in=MetAttendee.objects.filter(event_id=event.pk, user_id=viewer.pk).values("other_id"),
    ).first()
    if user is None:
        raise NotFound("You have not marked this attendee.")
    return user


# --- follow-up reminders ---------------------------------------------------------------------


def follow_ups_for(*, viewer: Any, limit: int = 3) -> list[Registration]:
    """The viewer's pending follow-ups: events they were going to (or attended) that ended in
    the last 30 days and that they may still see, most recent first, each with ``met_count``
    (how many people they marked). Two queries, one when there are none."""
    from django.db.models import Count

    from .access import visible_events_q

    if viewer is None or not viewer.is_authenticated:
        return []
    now = timezone.now()
    rows = list(
        Registration.objects.filter(
            user_id=viewer.pk,
            state__in=ATTENDING_STATES,
            follow_up=FollowUp.PENDING,
            event__state=State.PUBLISHED,
            event__ends_at__lte=now,
            event__ends_at__gt=now - timedelta(days=FOLLOW_UP_DAYS),
        )
        .filter(visible_events_q(viewer, prefix="event__"))
        .select_related("event")
        .order_by("-event__ends_at", "-id")[:limit]
    )
    if rows:
        counts = dict(
            MetAttendee.objects.filter(user_id=viewer.pk, event_id__in=[r.event_id for r in rows])
            .order_by()
            .values("event_id")
            .annotate(n=Count("id"))
            .values_list("event_id", "n")
        )
        rows = [replace_met_count(r, counts.get(r.event_id, 0)) for r in rows]
    return rows


def replace_met_count(registration: Registration, count: int) -> Registration:
    registration.met_count = count  # type: ignore[attr-defined]
    return registration


#: The goal vocabulary changes rarely (members adding their own goals): kept this long.
GOAL_CHOICES_SECONDS = 600


_LOCAL_CHOICES = LocalCopies(max_chars=4, measure=lambda value: 1)


def goal_choices() -> list[tuple[str, str]]:
    """(slug, name) of every goal, curated first, for the goal-tags picker (cached; this
    process keeps its copy for ``LOCAL_COPY_SECONDS`` more)."""
    from rounds.profiles.models import Goal

    def build() -> list[tuple[str, str]]:
        return list(Goal.objects.order_by("-curated", "name").values_list("slug", "name"))

    choices = _LOCAL_CHOICES.get("events:goal-choices")
    if choices is None:
        choices = cache.get("events:goal-choices")
        if choices is None:
            choices = build()
            cache.set("events:goal-choices", choices, GOAL_CHOICES_SECONDS)
        _LOCAL_CHOICES.put("events:goal-choices", choices)
    return list(choices)


def goal_tags_of(registration: Registration | None) -> list[Any]:
    """The registration's goal tags (Goal rows, by name)."""
    if registration is None:
        return []
    return list(registration.goal_tags.order_by("name"))


__all__ = [
    "Match",
    "MetRow",
    "access_met_candidate",
    "follow_ups_for",
    "goal_tags_of",
    "met_candidates_for",
    "met_mark_of",
    "met_marks_for",
    "visible_attendees",
    "who_to_meet_page",
    "who_to_meet_ranking",
]
