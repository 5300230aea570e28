"""The ``events`` stage of the benchmark dataset (issue 7: events, registration, who to meet).

On top of ``community``, ``connections``, ``keeping`` and ``feed`` it adds ``tier.events``
events (20,000 at M) and their registrations:

- **Events** spread evenly over ``SPAN`` before and after the build (half past, half upcoming),
  kinds mixed (networking, conferences, workshops, volunteering, webinars, department
  meetings), ~3 % drafts and ~3 % cancelled, ~5 % in a group (organized by the group's owner;
  private and secret groups' events are for their members), some on behalf of the organizer's
  organization, in person (a city) or online, in a handful of IANA zones, 1–2 specialties and
  0–2 topics each, CME credits on a share of conferences and workshops, skills and shifts for
  volunteering, co-organizers on ~8 %. Descriptions are Markdown rendered once (as the
  services do at write).
- **Registrations** heavy-tailed per event (log-normal, mean ~20, capped at
  ``MAX_REGISTRANTS``): going / interested / cancelled, waitlisted beyond capacity (in order),
  attended for past events whose organizers marked attendance, ``follow_up`` of past ones
  pending/done/dismissed; ~15 % hidden from the roster; goals on a share of them.
  ``going_count`` / ``waitlist_count`` and each shift's ``going_count`` are consistent.
- **The big event** (``BIG_EVENT_TITLE``): an upcoming conference with ``BIG_REGISTRANTS``
  (2,000) registrants — goals and goal tags on most, ~15 % hidden, ~60 of the viewer's
  connections among them (who to meet marks connections).
- **The bench viewer** (the demo member) is going to the big event with a goal and three goal
  tags, and registered to ``VIEWER_EVENTS`` (20) others: upcoming going/interested/waitlisted,
  past going/attended (one with CME credits ended last week: a pending follow-up); organizes
  two (an upcoming one and a draft).

Deterministic by seed (timestamps are relative to the build minute). On PostgreSQL rows stream
through COPY (the stage's sink).

``python -m bench.events --tier M --reset`` removes this stage's rows and marker so that the
next ``bench.generate``/``bench.run`` builds only this stage again.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.generate import StageContext

SPAN = timedelta(days=365)
BIG_REGISTRANTS = 2_000
BIG_EVENT_TITLE = "Regional Clinical Networking Summit"
BIG_CONNECTIONS = 60
VIEWER_EVENTS = 20
MAX_REGISTRANTS = 1_500
GROUP_SHARE = 0.05
DRAFT_SHARE = 0.03
CANCELLED_SHARE = 0.03
HIDDEN_SHARE = 0.15
FLUSH_ROWS = 50_000

VIEWER_GOAL = (
    "Meet two people doing quality-improvement research on sepsis follow-up, and find a "
    "mentor in cardiology for the fellowship application."
)
VIEWER_GOAL_TAGS = ("quality-improvement", "research-collaboration", "find-a-mentor")

KINDS = (
    ("networking", 0.25),
    ("conference", 0.15),
    ("workshop", 0.2),
    ("volunteering", 0.1),
    ("webinar", 0.18),
    ("department_meeting", 0.12),
)
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "UTC",
)
CITIES = (
    ("Chicago", "United States"),
    ("Boston", "United States"),
    ("Houston", "United States"),
    ("Seattle", "United States"),
    ("Atlanta", "United States"),
    ("Denver", "United States"),
    ("Minneapolis", "United States"),
    ("Philadelphia", "United States"),
    ("San Diego", "United States"),
    ("Nashville", "United States"),
    ("London", "United Kingdom"),
    ("Berlin", "Germany"),
)
VENUES = (
    "Grand Ballroom, Lakeside Convention Center",
    "Auditorium B, University Hospital",
    "Conference Room 4, Medical Office Building",
    "Community Health Center",
    "Simulation Lab, School of Medicine",
    "Hotel Meridian, Salon A",
)
SUBJECTS = (
    "Sepsis",
    "Quality Improvement",
    "Point-of-Care Ultrasound",
    "Palliative Care",
    "Cardiology",
    "Medical Education",
    "Telehealth",
    "Patient Safety",
    "Physician Wellness",
    "Global Health",
    "Clinical Research",
    "Pediatrics",
    "Emergency Medicine",
    "Digital Health",
    "Leadership",
)
TITLES = {
    "networking": ("{s} Networking Evening", "Meet the {s} Community", "{s} Mixer"),
    "conference": ("Annual {s} Conference", "{s} Summit", "{s} Symposium"),
    "workshop": ("Hands-on {s} Workshop", "{s} Skills Lab", "{s} Masterclass"),
    "volunteering": ("Community Health Fair: {s}", "Free Clinic Day ({s})", "{s} Outreach"),
    "webinar": ("Webinar: Advances in {s}", "{s} Online Grand Rounds", "{s} Q&A Live"),
    "department_meeting": ("{s} Department Meeting", "{s} M&M Conference", "{s} Staff Meeting"),
}
DESCRIPTIONS = (
    "Join colleagues for an evening of **conversation** and short talks on {s}.\n\n"
    "- 18:00 welcome\n- 18:30 lightning talks\n- 19:30 open networking",
    "A full day on {s}: keynotes, panels and *small-group* discussions. "
    "Bring a question you want answered.",
    "Practical session on {s} with case discussions. Space is limited; register early.\n\n"
    "Materials: https://example.org/materials",
    "We need volunteers for screenings, translation and registration desks. No experience "
    "needed for most roles; training on site.",
    "Monthly meeting: updates, {s} case review and next steps.\n\n1. Minutes\n2. Cases\n3. AOB",
    "Online session on {s}, with time for questions. The join link is sent to registrants.",
)
SKILLS = (
    ("spanish", "Spanish"),
    ("phlebotomy", "Phlebotomy"),
    ("triage", "Triage"),
    ("blood-pressure", "Blood pressure screening"),
    ("vaccination", "Vaccination"),
    ("registration-desk", "Registration desk"),
    ("pediatrics", "Pediatrics"),
    ("mental-health-first-aid", "Mental health first aid"),
)
GOALS = (
    "Meet two people doing quality-improvement research.",
    "Find a mentor for my fellowship application.",
    "Learn how other units run their early warning score.",
    "Talk to people hiring nurse practitioners.",
    "Find collaborators for a multi-site study.",
    "Meet the organizers of the regional telehealth network.",
    "Get advice on protected research time.",
)


def events_tables() -> list[type[Any]]:
    from rounds.events.models import (
        Event,
        EventOrganizer,
        EventShift,
        EventSkill,
        Registration,
    )

    return [
        Event,
        Event.specialties.through,
        Event.topics.through,
        EventOrganizer,
        EventSkill,
        EventShift,
        Registration,
        Registration.goal_tags.through,
    ]


class _Sink:
    """Rows completed with each model's field defaults; flushes every ``FLUSH_ROWS``."""

    def __init__(self, sink: Any):
        self.sink = sink
        self.defaults: dict[type[Any], dict[str, Any]] = {}
        self.pending = 0

    def add(self, model: type[Any], values: dict[str, Any]) -> None:
        defaults = self.defaults.get(model)
        if defaults is None:
            defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
            self.defaults[model] = defaults
        self.sink.add(model, {**defaults, **values})
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        self.sink.flush()
        self.pending = 0


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random() * sum(w for _, w in pairs)
    for value, weight in pairs:
        roll -= weight
        if roll <= 0:
            return value
    return pairs[-1][0]


def _registrant_count(rng: random.Random) -> int:
    return min(int(rng.lognormvariate(2.4, 1.1)), MAX_REGISTRANTS)


def build_events(ctx: StageContext) -> int:
    """Events, their organizers, skills, shifts and registrations; returns the events written."""
    if ctx.vendor == "postgresql":
        return _build(ctx)
    from bench.connections import _explicit_timestamps

    with _explicit_timestamps(events_tables()):
        return _build(ctx)


def _build(ctx: StageContext) -> int:
    from rounds.accounts.models import User
    from rounds.community.models import Group, GroupMembership
    from rounds.core.markdown import render_markdown
    from rounds.events.models import (
        Event,
        EventOrganizer,
        EventShift,
        EventSkill,
        Registration,
    )
    from rounds.network.models import Connection
    from rounds.profiles.demo import DEMO_EMAIL, IdAllocator
    from rounds.profiles.models import Affiliation, Goal, Interest, Specialty

    using = ctx.using
    rng = ctx.rng("events")
    started = time.perf_counter()
    members = list(
        User.objects.using(using)
        .filter(is_staff=False, is_active=True)
        .exclude(email=DEMO_EMAIL)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    demo = User.objects.using(using).filter(email=DEMO_EMAIL).values_list("pk", flat=True).first()
    if len(members) < 100:
        return 0
    n_events = ctx.tier.events
    sink = _Sink(ctx.sink(events_tables()))
    ids = IdAllocator.from_database(events_tables(), using)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    span = SPAN.total_seconds()

    specialty_ids = list(Specialty.objects.using(using).order_by("pk").values_list("pk", flat=True))
    interest_ids = list(Interest.objects.using(using).order_by("pk").values_list("pk", flat=True))
    goal_by_slug = dict(Goal.objects.using(using).filter(curated=True).values_list("slug", "pk"))
    goal_ids = sorted(goal_by_slug.values())
    org_of: dict[int, int] = {}
    for uid, org in (
        Affiliation.objects.using(using)
        .filter(is_current=True)
        .order_by("user_id", "pk")
        .values_list("user_id", "organization_id")
    ):
        org_of.setdefault(uid, org)
    groups = list(
        Group.objects.using(using).order_by("pk").values_list("pk", "created_by_id", "visibility")
    )
    rendered = {
        (d, s): str(render_markdown(DESCRIPTIONS[d].format(s=s.lower()), links=True))
        for d in range(len(DESCRIPTIONS))
        for s in SUBJECTS
    }

    # --- plan the events: (id, kind, state, start, group, organizer, registrants wanted)
    group_events = int(n_events * GROUP_SHARE) if groups else 0
    group_picks = [rng.choice(groups) for _ in range(group_events)]
    group_members: dict[int, list[int]] = defaultdict(list)
    for gid, uid in (
        GroupMembership.objects.using(using)
        .filter(group_id__in={g[0] for g in group_picks}, state="active")
        .order_by("group_id", "user_id")
        .values_list("group_id", "user_id")
    ):
        group_members[gid].append(uid)
    big_index = n_events // 2 + n_events // 40  # upcoming, a few weeks ahead
    viewer_picks: dict[int, str] = {}
    if demo is not None:
        # the viewer: 20 events besides the big one, upcoming and past, none in a group
        step = max(1, min(37, n_events // 60))
        upcoming_picks = [n_events // 2 + 1 + step * k for k in range(13)]
        upcoming_picks = [i for i in upcoming_picks if i != big_index][:12]
        past_picks = [n_events // 2 - 25 - step * k for k in range(8)]
        for position, index in enumerate(upcoming_picks):
            viewer_picks[index] = (
                "going" if position < 7 else ("interested" if position < 11 else "waitlisted")
            )
        for position, index in enumerate(past_picks):
            viewer_picks[index] = "attended" if position % 2 == 0 else "going"
    events_written = registrations = 0
    demo_connections: list[int] = []
    if demo is not None:
        demo_connections = list(
            Connection.objects.using(using)
            .filter(owner_id=demo)
            .order_by("other_id")
            .values_list("other_id", flat=True)
        )

    for index in range(n_events):
        eid = ids.take(Event)
        # evenly over the span before and after now (index order is time order)
        start_ts = now.timestamp() - span + (index + rng.random()) * (2 * span / n_events)
        start_ts -= start_ts % 900  # quarter hours
        kind = _weighted(rng, KINDS)
        is_big = index == big_index
        is_viewer_event = index in viewer_picks
        if is_big:
            kind = "conference"
        group_id = None
        organizer = rng.choice(members)
        if not is_big and not is_viewer_event and index % 20 == 7 and group_picks:
            gid, owner, _vis = group_picks.pop()
            if owner is not None:
                group_id, organizer = gid, owner
        roll = rng.random()
        state = "published"
        if not is_big and not is_viewer_event:
            if roll < DRAFT_SHARE:
                state = "draft"
            elif roll < DRAFT_SHARE + CANCELLED_SHARE:
                state = "cancelled"
        if demo is not None and index in (big_index + 40, big_index + 90):
            organizer, group_id = demo, None  # the viewer organizes an upcoming event and a draft
            state = "published" if index == big_index + 40 else "draft"
        hours = {
            "conference": rng.choice((8, 9, 30, 54)),
            "workshop": rng.choice((2, 3, 4, 7)),
            "volunteering": rng.choice((4, 6, 8)),
            "department_meeting": 1,
        }.get(kind, rng.choice((1, 1.5, 2, 3)))
        starts = datetime.fromtimestamp(start_ts, UTC)
        if is_big:  # 8 am in Chicago
            starts = starts.replace(hour=14, minute=0)
        ends = starts + timedelta(hours=hours)
        online = kind == "webinar" or (kind != "volunteering" and rng.random() < 0.15)
        city, country = rng.choice(CITIES)
        subject = rng.choice(SUBJECTS)
        title = BIG_EVENT_TITLE if is_big else rng.choice(TITLES[kind]).format(s=subject)
        description_index = {
            "networking": 0,
            "conference": 1,
            "workshop": 2,
            "volunteering": 3,
            "department_meeting": 4,
            "webinar": 5,
        }[kind]
        wanted = min(BIG_REGISTRANTS, len(members) - 1) if is_big else _registrant_count(rng)
        if state == "draft":
            wanted = 0
        capacity = None
        if is_big:
            capacity = 2_500
        elif rng.random() < 0.5 and wanted:
            capacity = max(5, int(wanted * rng.uniform(0.6, 1.6)))
        elif rng.random() < 0.3:
            capacity = rng.choice((20, 40, 100, 250))
        cme = None
        if kind in ("conference", "workshop") and (is_big or rng.random() < 0.4):
            cme = rng.choice((1, 2, 3.5, 6, 12)) if not is_big else 12
        if (
            is_viewer_event
            and viewer_picks[index] == "attended"
            and index == max((i for i, s in viewer_picks.items() if s == "attended"), default=-1)
        ):
            # the viewer's most recent attended event: CME, ended last week (follow-up due)
            kind, cme, online = "workshop", 3.5, False
            starts = (now - timedelta(days=6)).replace(minute=0)
            ends = starts + timedelta(hours=4)
            title = f"Hands-on {subject} Workshop"
            description_index = 2
        created = min(starts - timedelta(days=rng.randint(10, 120)), now)
        published_at = created + timedelta(hours=2) if state != "draft" else None
        cancelled_at = (
            min(created + timedelta(days=rng.randint(1, 9)), now) if state == "cancelled" else None
        )
        deadline = starts - timedelta(days=1) if rng.random() < 0.3 else None
        organization = org_of.get(organizer) if rng.random() < 0.4 else None
        zone = "America/Chicago" if is_big else rng.choice(ZONES)

        # --- registrants
        pool = (group_members.get(group_id) or [organizer]) if group_id is not None else members
        registrants: list[int] = []
        if wanted:
            if is_big and demo_connections:
                registrants = rng.sample(
                    demo_connections, min(BIG_CONNECTIONS, len(demo_connections))
                )
                chosen = set(registrants)
                while len(registrants) < wanted:
                    uid = rng.choice(members)
                    if uid not in chosen:
                        chosen.add(uid)
                        registrants.append(uid)
                rng.shuffle(registrants)
            else:
                registrants = rng.sample(pool, min(wanted, len(pool)))
            registrants = [u for u in registrants if u != organizer]
        past = ends <= now
        marked_attendance = past and (cme is not None or rng.random() < 0.4)
        shifts: list[list[Any]] = []  # [id, start, end, capacity, going]
        if kind == "volunteering":
            n_shifts = rng.randint(1, 4)
            shift_length = (ends - starts) / n_shifts
            for s in range(n_shifts):
                shifts.append(
                    [
                        ids.take(EventShift),
                        starts + shift_length * s,
                        starts + shift_length * (s + 1),
                        None,
                        0,
                    ]
                )
        going = waitlisted = 0
        rows: list[dict[str, Any]] = []
        for position, uid in enumerate(registrants):
            r = rng.random()
            at = min(
                created
                + timedelta(seconds=rng.random() * max((starts - created).total_seconds(), 60)),
                now,
            )
            if r < 0.07:
                reg_state = "cancelled"
            elif r < 0.27:
                reg_state = "interested"
            else:
                reg_state = "going"
            waitlisted_at = None
            shift_id = None
            if reg_state == "going":
                if capacity is not None and going >= capacity:
                    reg_state = "waitlisted"
                    waitlisted_at = created + timedelta(minutes=position)
                    waitlisted += 1
                else:
                    going += 1
                    if shifts:
                        shift = shifts[position % len(shifts)]
                        shift[4] += 1
                        shift_id = shift[0]
                    if marked_attendance and rng.random() < 0.8:
                        reg_state = "attended"
            goal = ""
            if reg_state != "cancelled" and (
                (is_big and rng.random() < 0.7) or (not past and rng.random() < 0.1)
            ):
                goal = rng.choice(GOALS)
            rows.append(
                {
                    "id": ids.take(Registration),
                    "created_at": at,
                    "updated_at": at,
                    "event_id": eid,
                    "user_id": uid,
                    "state": reg_state,
                    "shift_id": shift_id,
                    "roster_visibility": "hidden" if rng.random() < HIDDEN_SHARE else "registrants",
                    "waitlisted_at": waitlisted_at,
                    "cancelled_at": at if reg_state == "cancelled" else None,
                    "attended_at": ends if reg_state == "attended" else None,
                    "goal": goal,
                    "follow_up": (
                        rng.choice(("pending", "pending", "done", "dismissed"))
                        if past
                        else "pending"
                    ),
                }
            )
        if demo is not None and (is_big or is_viewer_event) and demo != organizer:
            mine = "going" if is_big else viewer_picks[index]
            if mine == "waitlisted":
                waitlisted += 1
            elif mine in ("going", "attended"):
                going += 1
                if mine == "attended" and not marked_attendance:
                    mine = "going"
            at = min(created + timedelta(days=1), now)
            rows.append(
                {
                    "id": ids.take(Registration),
                    "created_at": at,
                    "updated_at": at,
                    "event_id": eid,
                    "user_id": demo,
                    "state": mine,
                    "shift_id": shifts[0][0] if shifts and mine in ("going", "attended") else None,
                    "roster_visibility": "registrants",
                    "waitlisted_at": now if mine == "waitlisted" else None,
                    "cancelled_at": None,
                    "attended_at": ends if mine == "attended" else None,
                    "goal": VIEWER_GOAL if is_big else "",
                    "follow_up": "pending",
                }
            )
            if shifts and mine in ("going", "attended"):
                shifts[0][4] += 1
            if mine == "waitlisted":
                capacity = max(going, 1)  # it is full: that is why the viewer waits
            if is_big:
                tags = [goal_by_slug[s] for s in VIEWER_GOAL_TAGS if s in goal_by_slug]
                for tag in tags:
                    sink.add(
                        Registration.goal_tags.through,
                        {
                            "id": ids.take(Registration.goal_tags.through),
                            "registration_id": rows[-1]["id"],
                            "goal_id": tag,
                        },
                    )
        if capacity is not None and going > capacity:
            capacity = going
        sink.add(
            Event,
            {
                "id": eid,
                "created_at": created,
                "updated_at": cancelled_at or published_at or created,
                "title": title,
                "kind": kind,
                "state": state,
                "description": DESCRIPTIONS[description_index].format(s=subject.lower()),
                "description_html": rendered[(description_index, subject)],
                "starts_at": starts,
                "ends_at": ends,
                "time_zone": zone,
                "is_online": online,
                "venue": "" if online else rng.choice(VENUES),
                "address": "" if online else f"{rng.randint(1, 999)} Main Street",
                "city": "" if online else city,
                "country": "" if online else country,
                "join_url": f"https://meet.example.org/{eid}" if online else "",
                "organizer_id": organizer,
                "organization_id": organization,
                "group_id": group_id,
                "capacity": capacity,
                "registration_deadline": deadline,
                "cme_credits": cme,
                "going_count": going,
                "waitlist_count": waitlisted,
                "published_at": published_at,
                "cancelled_at": cancelled_at,
                "cancel_reason": "The venue is no longer available." if cancelled_at else "",
                "moderation_state": "visible",
                "moderation_reason": "",
            },
        )
        for sid in dict.fromkeys(
            specialty_ids[min(int(rng.expovariate(1 / 25)), len(specialty_ids) - 1)]
            for _ in range(rng.randint(1, 2))
        ):
            sink.add(
                Event.specialties.through,
                {"id": ids.take(Event.specialties.through), "event_id": eid, "specialty_id": sid},
            )
        for iid in dict.fromkeys(rng.choice(interest_ids) for _ in range(rng.randint(0, 2))):
            sink.add(
                Event.topics.through,
                {"id": ids.take(Event.topics.through), "event_id": eid, "interest_id": iid},
            )
        if rng.random() < 0.08 or is_big:
            for uid in dict.fromkeys(rng.choice(members) for _ in range(rng.randint(1, 3))):
                if uid != organizer:
                    sink.add(
                        EventOrganizer,
                        {
                            "id": ids.take(EventOrganizer),
                            "event_id": eid,
                            "user_id": uid,
                            "added_by_id": organizer,
                            "created_at": created,
                        },
                    )
        if kind == "volunteering":
            for slug, name in rng.sample(SKILLS, rng.randint(1, 3)):
                sink.add(
                    EventSkill,
                    {"id": ids.take(EventSkill), "event_id": eid, "slug": slug, "name": name},
                )
            for n, (sid, s_start, s_end, _cap, s_going) in enumerate(shifts, 1):
                sink.add(
                    EventShift,
                    {
                        "id": sid,
                        "event_id": eid,
                        "title": f"Shift {n}",
                        "starts_at": s_start,
                        "ends_at": s_end,
                        "capacity": s_going + rng.randint(1, 10) if rng.random() < 0.5 else None,
                        "going_count": s_going,
                    },
                )
        for row in rows:
            sink.add(Registration, row)
            if row["goal"] and row["user_id"] != demo and goal_ids:
                for gid in dict.fromkeys(rng.choice(goal_ids) for _ in range(rng.randint(1, 3))):
                    sink.add(
                        Registration.goal_tags.through,
                        {
                            "id": ids.take(Registration.goal_tags.through),
                            "registration_id": row["id"],
                            "goal_id": gid,
                        },
                    )
        registrations += len(rows)
        events_written += 1
        if (index + 1) % 5000 == 0:
            print(
                f"  … {index + 1:,} events, {registrations:,} registrations "
                f"({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    sink.flush()
    print(
        f"  {events_written:,} events, {registrations:,} registrations "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return events_written


# --- what the targets use -----------------------------------------------------------------------


def events_context(using: str = "default") -> dict[str, str]:
    """Placeholders for the ev: targets: ``event`` (the id of the 2,000-registrant event the
    demo member is going to); "0" when the stage is not built."""
    from rounds.events.models import Event

    big = (
        Event.objects.using(using)
        .filter(title=BIG_EVENT_TITLE)
        .order_by("-going_count", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {"event": str(big or 0)}


def reset(using: str = "default") -> None:
    """Delete this stage's rows and its marker (the next build makes only this stage)."""
    from django.db import connections, transaction

    from bench.generate import MARKER_TABLE
    from rounds.events.models import (
        AttendanceCertificate,
        CalendarFeed,
        Event,
        MetAttendee,
    )

    connection = connections[using]
    models: list[Any] = [*events_tables(), MetAttendee, AttendanceCertificate]
    tables = [m._meta.db_table for m in models]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            AttendanceCertificate.objects.using(using).all().delete()
            MetAttendee.objects.using(using).all().delete()
            Event.objects.using(using).all().delete()
        CalendarFeed.objects.using(using).all().delete()
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE stage = %s", ["events"])


def main(argv: list[str] | None = None) -> int:
    from bench.generate import prepare_database
    from bench.tiers import tier_named

    parser = argparse.ArgumentParser(description="The events stage of the bench dataset.")
    parser.add_argument("--tier", default="M")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--reset", action="store_true", help="remove this stage's rows")
    args = parser.parse_args(argv)
    prepare_database(tier_named(args.tier), args.db)
    if args.reset:
        reset()
        print("events stage removed; the next build makes it again.")
    print(events_context())
    return 0


if __name__ == "__main__":
    sys.exit(main())
