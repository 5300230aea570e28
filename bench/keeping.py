"""The ``keeping`` stage of the benchmark dataset (issue 5: keeping relationships).

On top of ``community`` and ``connections`` it adds what members accumulate by keeping in
touch — direct messages, notifications, the contacts notebook — at realistic volume:

- **Conversations and messages** (``members // 2`` conversations, ~20 messages each on
  average: ~100,000 and ~2,000,000 at M). Direct conversations between connected members
  (pairs drawn from connection rows, so active networkers talk more), ~4 % small groups
  (the creator and 2–7 of their connections), ~3 % message requests to non-connections
  (pending, ignored or accepted). Message counts are heavy-tailed (log-normal, mean ~20,
  capped at 800); timestamps come in bursts (minutes apart, then days) over the two years
  before the build; message ids follow time across all conversations (the inbox orders by
  them); ~1 % of messages are deleted (body erased). Read markers: most seats have read
  everything, ~12 % are behind by 1–3 messages; a few group members left (history ends
  there); some seats are muted or archived.
- **The bench viewer** (the demo member) gets exactly ``VIEWER_CONVERSATIONS`` (300)
  conversations: one of ``BIG_CONVERSATION`` (1,000) messages with a connection, the rest
  direct with connections, groups (three of which they left), incoming and outgoing message
  requests; ~20 unread.
- **Notifications**: ``members // 10`` (~20,000 at M) for other members plus
  ``VIEWER_NOTIFICATIONS`` (1,000) for the viewer over the last 180 days, every kind, with
  the texts and links the real senders write; recent ones mostly unread, old ones read;
  some email preferences.
- **Contacts**: one per connection side (every connection is a contact, as
  ``contacts.services.contacts_ensure_for_connections`` keeps it): 10,000,000 at M, with the
  other member's name and current position, the connection's network type, the clock started
  at the last interaction (or the connection, or the last direct message) and the default
  cadence; every 50th gets a note. The viewer's notebook has exactly ``VIEWER_CONTACTS``
  (2,000): their connections plus people who are not members (LinkedIn import, vCard, added
  by hand; emails, phones, how we met), tags (some with cadences), own cadences, snoozes,
  archived ones, ~3,000 dated notes; due dates spread from long overdue to months ahead.

Network tables are not touched (message exchanges do not write ``Interaction`` rows or move
``Connection.last_interaction_at`` here), so the issue 3 numbers do not shift with this stage.

On PostgreSQL the 10,000,000 connection contacts are one ``INSERT … SELECT`` from
``network_connection`` (a minute instead of streaming them through Python); everything else
streams through the stage's sink (COPY). Deterministic by seed: same seed and tier, same rows
(timestamps are relative to the build day).

``python -m bench.keeping --tier M --reset`` removes this stage's rows and marker so that the
next ``bench.generate``/``bench.run`` builds only this stage again.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.generate import StageContext
    from bench.tiers import Tier

VIEWER_CONVERSATIONS = 300
BIG_CONVERSATION = 1_000
VIEWER_NOTIFICATIONS = 1_000
VIEWER_CONTACTS = 2_000
VIEWER_NOTES = 3_000
SPAN = timedelta(days=730)
NOTIFICATION_SPAN = timedelta(days=180)
MAX_MESSAGES = 800
GROUP_SHARE = 0.04
REQUEST_SHARE = 0.03
DELETED_SHARE = 0.01
BEHIND_SHARE = 0.12
FLUSH_ROWS = 100_000
#: Every ``NOTE_EVERY``-th contact of other members has a note.
NOTE_EVERY = 50

DEFAULT_DAYS = {"operational": 180, "personal": 90, "strategic": 60}


def keeping_sizes(tier: Tier) -> dict[str, int]:
    """How much this stage writes for ``tier`` (beyond the viewer's fixed amounts)."""
    conversations = max(tier.members // 2, VIEWER_CONVERSATIONS + 50)
    return {
        "conversations": conversations,
        "notifications": max(tier.members // 10, 100),
    }


def keeping_tables() -> list[type[Any]]:
    from rounds.contacts.models import Contact, ContactNote, ContactTag, NotebookSettings
    from rounds.messaging.models import Conversation, Message, Participant
    from rounds.notifications.models import Notification, NotificationPreference

    return [
        Conversation,
        Participant,
        Message,
        Notification,
        NotificationPreference,
        NotebookSettings,
        ContactTag,
        Contact,
        Contact.tags.through,
        ContactNote,
    ]


# --- text -------------------------------------------------------------------------------------

OPENERS = (
    "Hi!",
    "Hello,",
    "Good morning —",
    "Thanks for getting back to me.",
    "Quick question:",
    "Following up on our chat:",
    "Great to see you at grand rounds.",
    "Hope the week is going well.",
    "Sorry for the slow reply, clinic ran long.",
    "",
    "",
    "",
)
SENTENCES = (
    "Are you going to the regional conference in March?",
    "I read the sepsis bundle paper you shared — the follow-up call idea is clever.",
    "We are piloting a new handoff checklist on the ward; happy to send it over.",
    "Do you know anyone in the cardiology fellowship program I could talk to?",
    "The QI committee meets Thursday at noon if you want to join.",
    "Could you look over my abstract before the deadline on Friday?",
    "Our clinic is hiring two nurse practitioners, in case you hear of anyone.",
    "I'd love your take on how your team handles discharge education.",
    "Thanks again for the introduction to Dr. Ortega.",
    "The journal club article this month is on anticoagulation in the elderly.",
    "Let me know when you have 20 minutes for a call.",
    "Congratulations on the new role!",
    "We're presenting the readmissions data at the department meeting.",
    "Does your unit use the early warning score? Curious how it went.",
    "I'm putting together a panel on burnout for residents — interested?",
    "Sending the slides from today's talk.",
    "Can we move our coffee to next week?",
    "The grant application is due at the end of the month.",
    "I finally finished the teaching module on point-of-care ultrasound.",
    "How is the new EHR rollout going on your side?",
    "Our mentorship program is looking for two more mentors this spring.",
    "Would you be open to co-authoring the case series?",
    "I'll bring the protocol draft to the meeting.",
    "Good news: the IRB approved the amendment.",
    "Let's compare notes on the telehealth follow-up workflow.",
    "I'm on call this weekend, but free Monday afternoon.",
    "Any advice on negotiating protected research time?",
    "The community health fair needs volunteers on Saturday.",
    "Here's the link to the registration page: https://example.org/conference",
    "Thanks — that was really helpful.",
)
MARKDOWN = (
    "**Agenda** for Thursday:\n\n- budget update\n- volunteer schedule\n- next steps",
    "Two options:\n\n1. Tuesday 7 am\n2. Wednesday after clinic",
    "The key point is *follow-up within 48 hours*.",
    "Notes from the call:\n\n- shared the checklist\n- they will pilot it in May",
)
CLOSERS = ("Thanks!", "Best,", "Talk soon.", "Cheers.", "", "", "", "")


def message_bodies(rng: random.Random, count: int = 4000) -> list[str]:
    """A pool of plausible message texts (Markdown-light), drawn once per build."""
    bodies = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            bodies.append(rng.choice(MARKDOWN))
            continue
        parts = [rng.choice(OPENERS)]
        for _ in range(1 if roll < 0.55 else (2 if roll < 0.85 else rng.randint(3, 5))):
            parts.append(rng.choice(SENTENCES))
        parts.append(rng.choice(CLOSERS))
        bodies.append(" ".join(p for p in parts if p))
    return bodies


NOTE_BODIES = (
    "Cares most about protected time for teaching; worried about losing it next year.",
    "Wants to expand the diabetes group visits; staffing after the grant ends is the concern.",
    "Looking for a second site for the follow-up study.",
    "Thinking about a chief resident year; asked for advice on the application.",
    "Moving to part-time in the autumn to care for a parent.",
    "Interested in our QI data on follow-up calls.",
    "Preparing for boards in June — check in after.",
    "Their unit is piloting the early warning score; asked how ours went.",
    "Hiring two nurse practitioners; I suggested a former colleague.",
    "Starting a podcast on rural health; might want a guest.",
    "Frustrated with the EHR rollout; wants to compare workflows.",
    "Applying for a leadership course; offered to write a letter.",
    "Met at the regional conference; shares an interest in palliative care.",
    "Working on a grant on telehealth follow-up; needs a clinician partner.",
    "Asked me to review their abstract before the deadline.",
)
HOW_MET = (
    "Medical school classmate.",
    "Residency co-resident.",
    "Met at the regional conference.",
    "Sat next to each other at the health policy workshop.",
    "Volunteered together at the free clinic.",
    "Introduced by a mentor.",
    "Co-authors on a paper.",
    "Worked the same unit for two years.",
    "",
    "",
)
OUTSIDE_ORGANIZATIONS = (
    "State Department of Health",
    "Lakeside Community Health Center",
    "Northwind Medical Devices",
    "Blue River Health Plan",
    "University School of Public Health",
    "City Emergency Medical Services",
    "Harbor Physical Therapy",
    "Meridian Health Consulting",
    "",
    "",
)
OUTSIDE_TITLES = (
    "Medical Director",
    "Policy Analyst",
    "Practice Manager",
    "Clinical Nurse Specialist",
    "Professor",
    "Product Manager",
    "Physical Therapist",
    "Research Coordinator",
    "Recruiter",
    "",
)
VIEWER_TAGS = (
    ("Residency", None),
    ("Research collaborators", 60),
    ("Hospital leadership", 45),
    ("Mentors", 90),
    ("Conference friends", None),
    ("Quality improvement", None),
    ("Board", 30),
    ("Medical school", None),
    ("Fellowship", None),
    ("Recruiting", None),
    ("Grant partners", 60),
    ("Community health", None),
)
OTHER_KINDS = (
    ("mention", "{name} mentioned you in a post"),
    ("post.comment", "{name} commented on your post"),
    ("post.like", "{name} liked your post"),
    ("group.invitation", "{name} invited you to a group"),
    ("group.approval", "Your request to join a group was approved"),
    ("event.update", "An event you registered for has a new time"),
    ("event.cancelled", "An event you registered for was cancelled"),
    ("event.waitlist_promoted", "A place opened up: you are registered"),
    ("event.reminder", "Your event starts tomorrow"),
    ("mentorship.request", "{name} asked you to be their mentor"),
    ("mentorship.checkin", "A check-in with your mentee is due"),
    ("moderation.outcome", "A moderator reviewed your report"),
)


_DEFAULTS: dict[type[Any], dict[str, Any]] = {}


def _row(model: type[Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` over the model's field defaults (``""`` for blank text, None for nullable),
    so that a sink writing every column gets what ``Model()`` would have."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
        _DEFAULTS[model] = defaults
    return {**defaults, **values}


class _FilledSink:
    """The stage's sink, with every row completed by ``_row``."""

    def __init__(self, sink: Any):
        self.sink = sink

    def add(self, model: type[Any], values: dict[str, Any]) -> None:
        self.sink.add(model, _row(model, values))

    def flush(self) -> None:
        self.sink.flush()


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum()) or "x"


# --- the plan of conversations ----------------------------------------------------------------


@dataclass
class Plan:
    """One conversation to write. ``members[0]`` is the creator (who sends first)."""

    kind: str  # "direct" | "group"
    members: list[int]
    count: int
    #: per member (same order): initial status "active" | "request" | "ignored"
    statuses: list[str]
    #: only the creator writes (a request not accepted, or ignored)
    one_sided: bool = False
    #: member index → index of the last message before they left
    left_after: dict[int, int] = field(default_factory=dict)
    #: when its last message is (seconds since the epoch); None = anywhere in the span
    last_at: float | None = None
    #: the viewer's seat: behind by this many messages (0 = read), muted, archived
    viewer_behind: int = 0


def _message_count(rng: random.Random) -> int:
    return min(MAX_MESSAGES, int(rng.lognormvariate(2.3, 1.15)) + 1)


def _timeline(rng: random.Random, count: int, start: float, end: float, last_at: float | None):
    """``count`` increasing timestamps in bursts (minutes apart, then days), ending at
    ``last_at`` (or anywhere that fits in [start, end])."""
    gaps = [0.0]
    for _ in range(count - 1):
        roll = rng.random()
        if roll < 0.72:
            gaps.append(rng.expovariate(1 / 240) + 5)
        elif roll < 0.95:
            gaps.append(rng.expovariate(1 / 129_600) + 60)
        else:
            gaps.append(rng.expovariate(1 / 1_728_000) + 60)
    offsets = list(itertools.accumulate(gaps))
    duration = offsets[-1]
    room = (end - start) * 0.95
    if duration > room:
        scale = room / duration
        offsets = [o * scale for o in offsets]
        duration = offsets[-1]
    if last_at is None:
        last_at = start + duration + rng.random() * (end - start - duration)
    last_at = min(last_at, end)
    first = last_at - duration
    return [first + o for o in offsets]


# --- loading ----------------------------------------------------------------------------------


def _members(using: str) -> tuple[list[int], int | None, dict[int, tuple[str, str]]]:
    """(member user ids other than the viewer, viewer id, {user id: (name, handle)})."""
    from rounds.profiles.demo import DEMO_EMAIL
    from rounds.profiles.models import Profile

    rows = list(
        Profile.objects.using(using)
        .filter(user__is_staff=False, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "display_name", "handle", "user__email")
    )
    viewer = next((uid for uid, _, _, email in rows if email == DEMO_EMAIL), None)
    names = {uid: (name, handle) for uid, name, handle, _ in rows}
    return [uid for uid, *_ in rows if uid != viewer], viewer, names


def _sample_ties(
    rng: random.Random, using: str, want: int, exclude: int | None
) -> list[tuple[int, int]]:
    """Up to ``want`` distinct connected pairs (a, b) drawn from random connection rows."""
    from django.db.models import Max, Min

    from rounds.network.models import Connection

    bounds = Connection.objects.using(using).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    lo, hi = int(bounds["lo"]), int(bounds["hi"])
    ids = sorted({rng.randint(lo, hi) for _ in range(int(want * 1.25) + 10)})
    found: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        for pk, owner, other in (
            Connection.objects.using(using)
            .filter(pk__in=chunk)
            .values_list("pk", "owner_id", "other_id")
        ):
            found[pk] = (owner, other)
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for pk in ids:  # in id order, then shuffled with our own stream
        pair = found.get(pk)
        if pair is None or exclude in pair:
            continue
        key = (min(pair), max(pair))
        if key not in seen:
            seen.add(key)
            pairs.append(pair)
    rng.shuffle(pairs)
    return pairs[:want]


def _contacts_of(using: str, owners: Sequence[int]) -> dict[int, list[int]]:
    """Each owner's connections (ordered by id)."""
    from rounds.network.models import Connection

    result: dict[int, list[int]] = defaultdict(list)
    ordered = sorted(set(owners))
    for start in range(0, len(ordered), 2_000):
        for owner, other in (
            Connection.objects.using(using)
            .filter(owner_id__in=ordered[start : start + 2_000])
            .order_by("id")
            .values_list("owner_id", "other_id")
            .iterator(chunk_size=20_000)
        ):
            result[owner].append(other)
    return result


def _unconnected_pairs(
    rng: random.Random, using: str, members: list[int], want: int
) -> list[tuple[int, int]]:
    """``want`` (sender, recipient) pairs of members who are not connected."""
    from rounds.network.models import Connection

    drawn: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    while len(drawn) < want * 1.1 + 5 and len(members) > 1:
        a, b = rng.choice(members), rng.choice(members)
        key = (min(a, b), max(a, b))
        if a != b and key not in seen:
            seen.add(key)
            drawn.append((a, b))
    connected: set[tuple[int, int]] = set()
    for start in range(0, len(drawn), 5_000):
        chunk = drawn[start : start + 5_000]
        for owner, other in (
            Connection.objects.using(using)
            .filter(owner_id__in={a for a, _ in chunk}, other_id__in={b for _, b in chunk})
            .values_list("owner_id", "other_id")
        ):
            connected.add((owner, other))
    return [(a, b) for a, b in drawn if (a, b) not in connected][:want]


# --- planning ---------------------------------------------------------------------------------


def _group_size(rng: random.Random) -> int:
    return rng.choice((2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7))


def _plan_others(
    rng: random.Random, using: str, members: list[int], viewer: int | None, total: int
) -> list[Plan]:
    groups = int(total * GROUP_SHARE)
    requests = int(total * REQUEST_SHARE)
    directs = total - groups - requests
    ties = _sample_ties(rng, using, directs + groups, viewer)
    plans: list[Plan] = []
    for a, b in ties[:directs]:
        plans.append(Plan("direct", [a, b], _message_count(rng), ["active", "active"]))
    creators = [a for a, _ in ties[directs:]]
    circles = _contacts_of(using, creators)
    for creator in creators:
        friends = [f for f in circles.get(creator, []) if f != viewer]
        if len(friends) < 2:
            continue
        chosen = rng.sample(friends, min(_group_size(rng), len(friends)))
        plan = Plan(
            "group", [creator, *chosen], _message_count(rng) + 2, ["active"] * (len(chosen) + 1)
        )
        for index in range(1, len(plan.members)):
            if rng.random() < 0.05:
                plan.left_after[index] = rng.randrange(plan.count - 1)
        plans.append(plan)
    for a, b in _unconnected_pairs(rng, using, members, requests):
        roll = rng.random()
        if roll < 0.55:
            plans.append(Plan("direct", [a, b], 1, ["active", "request"], one_sided=True))
        elif roll < 0.85:
            plans.append(
                Plan("direct", [a, b], rng.randint(1, 2), ["active", "ignored"], one_sided=True)
            )
        else:
            plans.append(Plan("direct", [a, b], _message_count(rng) + 1, ["active", "active"]))
    return plans


def _plan_viewer(
    rng: random.Random,
    using: str,
    members: list[int],
    viewer: int,
    viewer_contacts: list[int],
    end: float,
) -> list[Plan]:
    """Exactly ``VIEWER_CONVERSATIONS`` conversations of the viewer (fewer only if they have
    too few connections): the big one first."""
    day = 86_400.0
    friends = list(viewer_contacts)
    rng.shuffle(friends)
    if not friends:
        return []
    plans: list[Plan] = [
        Plan(
            "direct",
            [viewer, friends[0]],
            BIG_CONVERSATION,
            ["active", "active"],
            last_at=end - 2 * 3600,
        )
    ]
    requests_in, requests_out, groups_mine, groups_theirs = 6, 4, 15, 10
    directs = VIEWER_CONVERSATIONS - 1 - requests_in - requests_out - groups_mine - groups_theirs
    partners = friends[1 : 1 + directs]
    for partner in partners:
        starter = [viewer, partner] if rng.random() < 0.5 else [partner, viewer]
        plans.append(
            Plan(
                "direct",
                starter,
                _message_count(rng) + 2,
                ["active", "active"],
                last_at=end - min(rng.expovariate(1 / (45 * day)), SPAN.total_seconds() * 0.9),
            )
        )
    for _ in range(groups_mine):
        chosen = rng.sample(friends, min(_group_size(rng), len(friends)))
        plans.append(
            Plan(
                "group",
                [viewer, *chosen],
                _message_count(rng) + 4,
                ["active"] * (len(chosen) + 1),
                last_at=end - rng.random() * 200 * day,
            )
        )
    hosts = rng.sample(friends, min(groups_theirs, len(friends)))
    circles = _contacts_of(using, hosts)
    for host in hosts:
        others = [f for f in circles.get(host, []) if f != viewer]
        chosen = rng.sample(others, min(_group_size(rng) - 1, len(others)))
        plan = Plan(
            "group",
            [host, viewer, *chosen],
            _message_count(rng) + 4,
            ["active"] * (len(chosen) + 2),
            last_at=end - rng.random() * 200 * day,
        )
        plans.append(plan)
    hosted = [p for p in plans if p.kind == "group" and p.members[0] != viewer]
    for plan in hosted[:3]:  # the viewer left three groups someone else started
        plan.left_after[plan.members.index(viewer)] = max(0, plan.count // 2)
    connected = set(viewer_contacts)
    strangers = [m for m in members if m not in connected]
    rng.shuffle(strangers)
    for position, stranger in enumerate(strangers[:requests_in]):
        status = "request" if position < 4 else "ignored"
        plans.append(
            Plan(
                "direct",
                [stranger, viewer],
                1,
                ["active", status],
                one_sided=True,
                last_at=end - rng.random() * 30 * day,
            )
        )
    for position, stranger in enumerate(strangers[requests_in : requests_in + requests_out]):
        accepted = position == 0
        plans.append(
            Plan(
                "direct",
                [viewer, stranger],
                _message_count(rng) + 1 if accepted else 1,
                ["active", "active" if accepted else "request"],
                one_sided=not accepted,
                last_at=end - rng.random() * 60 * day,
            )
        )
    # ~20 unread conversations among the most recent ones the viewer did not write last
    recent = sorted(range(1, len(plans)), key=lambda i: -(plans[i].last_at or 0))[:60]
    for index in rng.sample(recent, min(20, len(recent))):
        plans[index].viewer_behind = rng.randint(1, 3)
    return plans


# --- writing messages -------------------------------------------------------------------------


@dataclass
class Written:
    """What later parts of the stage need to know about the conversations written."""

    conversation_ids: list[int]
    plans: list[Plan]
    last_from: dict[int, int]  # plan index → sender of the last message
    last_at: dict[int, float]
    messages: int
    participants: int


def _write_conversations(ctx: StageContext, sink: Any, plans: list[Plan], viewer: int | None):
    from rounds.messaging.models import Conversation, Message, Participant, body_html_of
    from rounds.profiles.demo import IdAllocator

    rng = ctx.rng("keeping:messages")
    end = datetime.now(UTC).replace(second=0, microsecond=0).timestamp()
    start = end - SPAN.total_seconds()

    # 1. every message as one sortable integer: time (µs) | plan index | sender slot
    keys: list[int] = []
    for index, plan in enumerate(plans):
        times = _timeline(rng, plan.count, start, end, plan.last_at)
        present = list(range(len(plan.members)))
        speaker = 0
        for position, moment in enumerate(times):
            if position and not plan.one_sided:
                if plan.kind == "direct":
                    if rng.random() < 0.55:
                        speaker = 1 - speaker
                else:
                    present = [m for m in present if plan.left_after.get(m, plan.count) >= position]
                    speaker = rng.choice(present)
            keys.append((int(moment * 1_000_000) << 25) | (index << 5) | speaker)
    keys.sort()
    ids = IdAllocator.from_database([Conversation, Participant, Message], ctx.using)
    first_message = ids.take(Message)
    # 2. conversation ids in order of their first message
    order: list[int] = []
    seen: set[int] = set()
    for key in keys:
        index = (key >> 5) & 0xFFFFF
        if index not in seen:
            seen.add(index)
            order.append(index)
    conversation_ids = [0] * len(plans)
    for index in order:
        conversation_ids[index] = ids.take(Conversation)
    # 3. messages, in id (= time) order, with their stored HTML (as the send service writes)
    bodies = message_bodies(rng)
    htmls = [body_html_of(body) for body in bodies]
    message_ids: list[list[int]] = [[] for _ in plans]
    message_times: list[list[float]] = [[] for _ in plans]
    last_from: dict[int, int] = {}
    for offset, key in enumerate(keys):
        index = (key >> 5) & 0xFFFFF
        slot = key & 0x1F
        moment = datetime.fromtimestamp((key >> 25) / 1_000_000, UTC)
        pk = first_message + offset
        message_ids[index].append(pk)
        message_times[index].append(moment.timestamp())
        plan = plans[index]
        sender = plan.members[slot]
        last_from[index] = sender
        deleted = rng.random() < DELETED_SHARE
        text = rng.randrange(len(bodies))  # the same draw as rng.choice(bodies)
        sink.add(
            Message,
            {
                "id": pk,
                "conversation_id": conversation_ids[index],
                "sender_id": sender,
                "body": "" if deleted else bodies[text],
                "body_html": "" if deleted else htmls[text],
                "created_at": moment,
                "deleted_at": moment + timedelta(minutes=rng.randint(1, 120)) if deleted else None,
            },
        )
        if (offset + 1) % FLUSH_ROWS == 0:
            sink.flush()
            if (offset + 1) % 1_000_000 == 0:
                print(f"  … {offset + 1:,} messages", flush=True)
    sink.flush()

    # 4. conversations and seats
    def at(value: float) -> datetime:
        return datetime.fromtimestamp(value, UTC)

    seats = 0
    for index in order:
        plan = plans[index]
        pks, times = message_ids[index], message_times[index]
        last_pk, last_time = pks[-1], times[-1]
        a, b = plan.members[0], plan.members[1]
        sink.add(
            Conversation,
            {
                "id": conversation_ids[index],
                "created_at": at(times[0]),
                "updated_at": at(last_time),
                "kind": plan.kind,
                "creator_id": plan.members[0],
                "direct_key": f"{min(a, b)}:{max(a, b)}" if plan.kind == "direct" else None,
                "last_message_id": last_pk,
                "last_message_at": at(last_time),
                "has_hidden_messages": False,
            },
        )
        for slot, user_id in enumerate(plan.members):
            status = plan.statuses[slot]
            seat: dict[str, Any] = {
                "id": ids.take(Participant),
                "conversation_id": conversation_ids[index],
                "user_id": user_id,
                "status": status,
                "muted": False,
                "archived": False,
                "joined_at": at(times[0]),
                "left_at": None,
                "history_end_id": None,
                "last_message_id": last_pk,
                "last_message_at": at(last_time),
                "last_read_message_id": None,
                "last_read_at": None,
            }
            if slot in plan.left_after:
                end_at = min(plan.left_after[slot], len(pks) - 1)
                seat.update(
                    status="left",
                    history_end_id=pks[end_at],
                    last_message_id=pks[end_at],
                    last_message_at=at(times[end_at]),
                    last_read_message_id=pks[end_at],
                    last_read_at=at(times[end_at] + 60),
                    left_at=at(times[end_at] + 60),
                )
            elif status == "active":
                if user_id == viewer:
                    behind = plan.viewer_behind if last_from[index] != viewer else 0
                else:
                    behind = (
                        rng.randint(1, 3)
                        if last_from[index] != user_id and rng.random() < BEHIND_SHARE
                        else 0
                    )
                    seat["muted"] = rng.random() < 0.02
                    seat["archived"] = (
                        plan.kind == "direct" and last_time < end - 30 * 86_400
                    ) and rng.random() < 0.03
                read_at = len(pks) - 1 - behind
                if read_at >= 0:
                    seat["last_read_message_id"] = pks[read_at]
                    seat["last_read_at"] = at(min(times[read_at] + rng.random() * 3600, end))
            sink.add(Participant, seat)
            seats += 1
        if len(seen) and conversation_ids[index] % 20_000 == 0:
            sink.flush()
    sink.flush()
    if viewer is not None:  # a few of the viewer's seats muted or archived (not the big one)
        _viewer_settings(ctx, plans, conversation_ids, viewer, rng)
    last_at = {i: message_times[i][-1] for i in range(len(plans))}
    return Written(conversation_ids, plans, last_from, last_at, len(keys), seats)


def _viewer_settings(
    ctx: StageContext, plans: list[Plan], conversation_ids: list[int], viewer: int, rng: Any
) -> None:
    from rounds.messaging.models import Participant

    direct = [
        conversation_ids[i]
        for i, p in enumerate(plans)
        if p.kind == "direct" and viewer in p.members and i > 0 and not p.one_sided
    ]
    chosen = rng.sample(direct, min(18, len(direct)))
    seats = Participant.objects.using(ctx.using).filter(user_id=viewer)
    seats.filter(conversation_id__in=chosen[:8]).update(muted=True)
    seats.filter(conversation_id__in=chosen[8:], status="active").update(archived=True)


# --- notifications ----------------------------------------------------------------------------


def _write_notifications(
    ctx: StageContext,
    sink: Any,
    written: Written,
    members: list[int],
    viewer: int | None,
    viewer_contacts: list[int],
    names: dict[int, tuple[str, str]],
) -> int:
    from rounds.notifications.models import Notification, NotificationPreference

    rng = ctx.rng("keeping:notifications")
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    span = NOTIFICATION_SPAN.total_seconds()
    sizes = keeping_sizes(ctx.tier)

    def name(uid: int) -> str:
        return names.get(uid, ("A member", ""))[0]

    def conversation_notice(plan_index: int, recipient: int) -> tuple[str, int, str, str]:
        plan = written.plans[plan_index]
        actor = written.last_from[plan_index]
        if actor == recipient:
            actor = next(m for m in plan.members if m != recipient)
        url = f"/messages/{written.conversation_ids[plan_index]}/"
        slot = plan.members.index(recipient)
        if plan.statuses[slot] in ("request", "ignored"):
            return "message.request", actor, f"{name(actor)} sent you a message request", url
        if plan.kind == "group":
            return (
                "message.new",
                actor,
                f"{name(actor)} sent a message to your group conversation",
                url,
            )
        return "message.new", actor, f"{name(actor)} sent you a message", url

    def notice(recipient: int, pool: list[int], own_plans: list[int]) -> tuple[str, Any, str, str]:
        roll = rng.random()
        if roll < 0.42 and own_plans:
            return conversation_notice(rng.choice(own_plans), recipient)
        actor = rng.choice(pool) if pool else rng.choice(members)
        if roll < 0.55:
            return (
                "connection.request",
                actor,
                f"{name(actor)} asked to connect with you",
                "/network/requests/",
            )
        if roll < 0.70:
            handle = names.get(actor, ("", ""))[1]
            url = f"/network/connections/{handle}/" if handle else ""
            return (
                "connection.accepted",
                actor,
                f"{name(actor)} accepted your connection request",
                url,
            )
        if roll < 0.80:
            people = rng.randint(1, 6)
            text = f"{people} {'person is' if people == 1 else 'people are'} due for a catch-up"
            return "contacts.keep_in_touch", None, text, "/contacts/due/"
        kind, text = rng.choice(OTHER_KINDS)
        return kind, (actor if "{name}" in text else None), text.format(name=name(actor)), ""

    plans_of: dict[int, list[int]] = defaultdict(list)
    for index, plan in enumerate(written.plans):
        for slot, member in enumerate(plan.members):
            if slot not in plan.left_after and member != written.last_from[index]:
                plans_of[member].append(index)
    rows: list[tuple[int, datetime, tuple[str, Any, str, str]]] = []
    if viewer is not None:
        for _ in range(VIEWER_NOTIFICATIONS):
            created = end - timedelta(seconds=span * rng.random() ** 1.3)
            rows.append((viewer, created, notice(viewer, viewer_contacts, plans_of[viewer])))
    recipients = [m for p in written.plans for m in p.members if m != viewer] or members
    for _ in range(sizes["notifications"]):
        recipient = rng.choice(recipients)
        created = end - timedelta(seconds=span * rng.random())
        rows.append((recipient, created, notice(recipient, [], plans_of[recipient])))
    rows.sort(key=lambda r: (r[1], r[0]))
    ids = _allocator([Notification], ctx.using)
    for recipient, created, (kind, actor, text, url) in rows:
        age_days = (end - created).total_seconds() / 86_400
        unread = rng.random() < (0.6 if age_days < 10 else (0.15 if age_days < 45 else 0.03))
        sink.add(
            Notification,
            {
                "id": ids.take(Notification),
                "recipient_id": recipient,
                "kind": kind,
                "actor_id": actor if actor != recipient else None,
                "text": text[:300],
                "url": url,
                "created_at": created,
                "read_at": None if unread else created + timedelta(hours=rng.random() * 48),
                "emailed_at": created + timedelta(minutes=5) if rng.random() < 0.3 else None,
            },
        )
    sink.flush()
    kinds = [k for k, _ in OTHER_KINDS] + [
        "connection.request",
        "message.new",
        "contacts.keep_in_touch",
    ]
    choosers = rng.sample(members, min(len(members) // 50, len(members)))
    if viewer is not None:
        choosers.append(viewer)
    preference_ids = _allocator([NotificationPreference], ctx.using)
    for user_id in sorted(set(choosers)):
        for kind in sorted(rng.sample(kinds, rng.randint(1, 3))):
            sink.add(
                NotificationPreference,
                {
                    "id": preference_ids.take(NotificationPreference),
                    "user_id": user_id,
                    "kind": kind,
                    "delivery": rng.choice(("immediate", "digest", "off")),
                    "updated_at": end - timedelta(days=rng.randint(1, 300)),
                },
            )
    sink.flush()
    return len(rows)


def _allocator(models: list[type[Any]], using: str) -> Any:
    from rounds.profiles.demo import IdAllocator

    return IdAllocator.from_database(models, using)


# --- contacts ---------------------------------------------------------------------------------


def _member_facts(using: str, user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(organization, title) of each member's first current position."""
    from rounds.profiles.models import Affiliation

    facts: dict[int, tuple[str, str]] = {}
    ordered = sorted(set(user_ids))
    for start in range(0, len(ordered), 5_000):
        for uid, org, title in (
            Affiliation.objects.using(using)
            .filter(user_id__in=ordered[start : start + 5_000], is_current=True)
            .order_by("user_id", "start_date", "id")
            .values_list("user_id", "organization__name", "title")
        ):
            facts.setdefault(uid, (org or "", title or ""))
    return facts


def _due(base: datetime, cadence: int, snoozed: datetime | None) -> datetime:
    due = base + timedelta(days=cadence)
    return snoozed if snoozed is not None and snoozed > due else due


def _write_viewer_notebook(
    ctx: StageContext,
    sink: Any,
    viewer: int,
    names: dict[int, tuple[str, str]],
    written: Written,
) -> int:
    """The viewer's 2,000 contacts, their tags, notes and settings."""
    from rounds.contacts.models import Contact, ContactNote, ContactTag, NotebookSettings
    from rounds.network.models import Connection
    from rounds.profiles.demo.generator import NamePools
    from rounds.profiles.models import Affiliation, Organization

    rng = ctx.rng("keeping:notebook")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    day = timedelta(days=1)
    ids = _allocator([ContactTag, Contact, ContactNote, Contact.tags.through], ctx.using)

    settings = {"operational": 180, "personal": 90, "strategic": 60}
    sink.add(
        NotebookSettings,
        {
            "owner_id": viewer,
            "operational_days": settings["operational"],
            "personal_days": settings["personal"],
            "strategic_days": settings["strategic"],
            "last_nudged_at": now - 3 * day,
            "updated_at": now - 200 * day,
        },
    )
    tags: list[tuple[int, int | None]] = []
    for tag_name, cadence in VIEWER_TAGS:
        pk = ids.take(ContactTag)
        tags.append((pk, cadence))
        sink.add(
            ContactTag,
            {
                "id": pk,
                "owner_id": viewer,
                "name": tag_name,
                "cadence_days": cadence,
                "created_at": now - rng.randint(100, 500) * day,
            },
        )

    # the viewer's last direct message with each connection moves that contact's clock
    dm_last: dict[int, float] = {}
    for index, plan in enumerate(written.plans):
        if plan.kind == "direct" and viewer in plan.members and not plan.one_sided:
            other = plan.members[1] if plan.members[0] == viewer else plan.members[0]
            dm_last[other] = max(dm_last.get(other, 0.0), written.last_at[index])
    ties = list(
        Connection.objects.using(ctx.using)
        .filter(owner_id=viewer)
        .order_by("id")
        .values_list(
            "other_id", "created_at", "last_interaction_at", "override_type", "proposed_type"
        )
    )
    facts = _member_facts(ctx.using, [t[0] for t in ties])
    my_orgs = set(
        Affiliation.objects.using(ctx.using)
        .filter(user_id=viewer, is_current=True)
        .values_list("organization__name", flat=True)
    )
    org_names = list(
        Organization.objects.using(ctx.using).order_by("id").values_list("name", flat=True)[:3000]
    )
    people = NamePools()
    contacts: list[dict[str, Any]] = []
    for other, created, last, override, proposed in ties:
        org, title = facts.get(other, ("", ""))
        moments = [t for t in (last, _ts(dm_last.get(other))) if t is not None]
        contacts.append(
            {
                "member_id": other,
                "connected": True,
                "name": names.get(other, ("A member", ""))[0][:200],
                "organization": org[:200],
                "title": title[:200],
                "network_type": override or proposed or "personal",
                "source": "connection",
                "created_at": created,
                "last_interaction_at": max(moments) if moments else created,
            }
        )
    imported_at = now - 420 * day
    while len(contacts) < VIEWER_CONTACTS:
        first, last_name, _ = people.person(rng)
        roll = rng.random()
        source = "linkedin" if roll < 0.7 else ("vcard" if roll < 0.8 else "manual")
        org = (
            rng.choice(org_names)
            if org_names and rng.random() < 0.7
            else rng.choice(OUTSIDE_ORGANIZATIONS)
        )
        created = imported_at if source == "linkedin" else now - rng.randint(1, 700) * day
        proposed = "operational" if org and org in my_orgs else "personal"
        chosen = rng.random() < 0.15
        slug = f"{_ascii(first)}.{_ascii(last_name)}"
        contacts.append(
            {
                "member_id": None,
                "connected": False,
                "name": f"{first} {last_name}"[:200],
                "organization": org[:200],
                "title": rng.choice(OUTSIDE_TITLES),
                "email": f"{slug}@example.org" if rng.random() < 0.35 else "",
                "phone": f"+1 555 01{rng.randint(10, 99)} {rng.randint(1000, 9999)}"
                if rng.random() < 0.2
                else "",
                "url": f"https://www.linkedin.com/in/{slug.replace('.', '-')}-{rng.randint(100, 999)}"
                if source == "linkedin"
                else "",
                "how_met": rng.choice(HOW_MET),
                "network_type": rng.choice(("strategic", "personal", "operational"))
                if chosen
                else proposed,
                "network_type_chosen": chosen,
                "source": source,
                "linkedin_connected_on": (now - rng.randint(400, 4000) * day).date()
                if source == "linkedin"
                else None,
                "created_at": created,
                "last_interaction_at": None,
            }
        )
    # the viewer keeps this notebook: over half of the people have a logged conversation in
    # the last 14 months (calls and coffees logged without a note), so due dates spread from
    # long overdue to months ahead
    for contact in contacts:
        if contact["last_interaction_at"] in (None, contact["created_at"]) and rng.random() < 0.55:
            logged = now - rng.randint(3, 420) * day
            contact["last_interaction_at"] = max(logged, contact["created_at"])
    # notes: ~3,000 on ~900 contacts; conversations (not plain notes) move the clock
    noted = rng.sample(range(len(contacts)), min(900, len(contacts)))
    notes: list[tuple[int, date, str, str]] = []
    for position in noted:
        for _ in range(max(1, int(rng.expovariate(1 / (VIEWER_NOTES / 900))))):
            when = (now - rng.randint(0, 700) * day).date()
            kind = rng.choice(("note", "note", "call", "coffee", "meeting", "email", "other"))
            notes.append((position, when, kind, rng.choice(NOTE_BODIES)))
    for position, when, kind, _ in notes:
        if kind != "note":
            moment = datetime.combine(when, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
            current = contacts[position]["last_interaction_at"]
            if current is None or moment > current:
                contacts[position]["last_interaction_at"] = moment
    tag_links: list[tuple[int, int]] = []
    contact_ids: list[int] = []
    for contact in contacts:
        pk = ids.take(Contact)
        contact_ids.append(pk)
        own = rng.choice((30, 60, 90, 120, 180, 365)) if rng.random() < 0.08 else None
        mine = rng.sample(tags, rng.randint(1, 2)) if rng.random() < 0.35 else []
        tag_links.extend((pk, tag_pk) for tag_pk, _ in mine)
        tag_cadence = min((c for _, c in mine if c), default=None)
        cadence = own or tag_cadence or settings[contact["network_type"]]
        snoozed = now + rng.randint(1, 30) * day if rng.random() < 0.03 else None
        base = contact["last_interaction_at"] or contact["created_at"]
        updated = max(
            contact["created_at"], contact["last_interaction_at"] or contact["created_at"]
        )
        sink.add(
            Contact,
            {
                "id": pk,
                "owner_id": viewer,
                "cadence_days": own,
                "snoozed_until": snoozed,
                "due_at": _due(base, cadence, snoozed),
                "archived": rng.random() < 0.03,
                "updated_at": updated,
                **contact,
            },
        )
    for contact_pk, tag_pk in tag_links:
        sink.add(
            Contact.tags.through,
            {
                "id": ids.take(Contact.tags.through),
                "contact_id": contact_pk,
                "contacttag_id": tag_pk,
            },
        )
    for position, when, kind, body in notes:
        moment = datetime.combine(when, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18)
        sink.add(
            ContactNote,
            {
                "id": ids.take(ContactNote),
                "contact_id": contact_ids[position],
                "occurred_on": when,
                "kind": kind,
                "body": body,
                "created_at": moment,
                "updated_at": moment,
            },
        )
    sink.flush()
    return len(contacts)


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _direct_pairs(written: Written, viewer: int | None) -> dict[tuple[int, int], float]:
    """(member, other) → last message time of their direct conversation (both directions),
    for conversations both take part in (not one-sided requests), the viewer's excluded."""
    pairs: dict[tuple[int, int], float] = {}
    for index, plan in enumerate(written.plans):
        if plan.kind != "direct" or plan.one_sided or viewer in plan.members:
            continue
        a, b = plan.members
        moment = written.last_at[index]
        for key in ((a, b), (b, a)):
            pairs[key] = max(pairs.get(key, 0.0), moment)
    return pairs


CONTACT_INSERT = """
INSERT INTO contacts_contact ({columns})
SELECT {values}
FROM network_connection c
JOIN keep_facts f ON f.user_id = c.other_id
LEFT JOIN keep_pairs k ON k.owner_id = c.owner_id AND k.other_id = c.other_id
CROSS JOIN LATERAL (
    SELECT COALESCE(NULLIF(c.override_type, ''), NULLIF(c.proposed_type, ''), 'personal') AS kind,
           GREATEST(COALESCE(c.last_interaction_at, c.created_at), k.at) AS clock
) t
WHERE c.owner_id <> %(viewer)s
ORDER BY c.id
"""

CONTACT_VALUES = {
    "created_at": "c.created_at",
    "updated_at": "t.clock",
    "owner_id": "c.owner_id",
    "member_id": "c.other_id",
    "connected": "TRUE",
    "name": "LEFT(COALESCE(NULLIF(f.name, ''), 'A member'), 200)",
    "organization": "LEFT(f.organization, 200)",
    "title": "LEFT(f.title, 200)",
    "network_type": "t.kind",
    "last_interaction_at": "t.clock",
    "due_at": "t.clock + make_interval(days => CASE t.kind WHEN 'operational' THEN 180 "
    "WHEN 'strategic' THEN 60 ELSE 90 END)",
    "source": "'connection'",
}


def _connection_contacts_sql(ctx: StageContext, written: Written, viewer: int | None) -> int:
    """Every other member's connections as contacts, in SQL (PostgreSQL)."""
    from django.db import connections

    from rounds.contacts.models import Contact, ContactNote

    connection = connections[ctx.using]
    columns: list[str] = []
    values: list[str] = []
    params: dict[str, Any] = {"viewer": viewer or 0}
    for model_field in Contact._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(str(model_field.column)))
        if model_field.attname in CONTACT_VALUES:
            values.append(CONTACT_VALUES[model_field.attname])
            continue
        default = model_field.get_default()  # "" for blank text, None for nullable
        if default is None and not model_field.null:
            raise RuntimeError(f"No value for contacts_contact.{model_field.column}")
        params[model_field.attname] = default
        values.append(f"%({model_field.attname})s")
    pairs = _direct_pairs(written, viewer)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE keep_facts ON COMMIT DROP AS "
            "SELECT p.user_id, p.display_name AS name, COALESCE(a.org, '') AS organization, "
            "COALESCE(a.title, '') AS title FROM profiles_profile p LEFT JOIN ("
            " SELECT DISTINCT ON (af.user_id) af.user_id, o.name AS org, af.title"
            " FROM profiles_affiliation af JOIN profiles_organization o ON o.id = af.organization_id"
            " WHERE af.is_current ORDER BY af.user_id, af.start_date, af.id) a"
            " ON a.user_id = p.user_id"
        )
        cursor.execute("ALTER TABLE keep_facts ADD PRIMARY KEY (user_id)")
        cursor.execute(
            "CREATE TEMP TABLE keep_pairs (owner_id bigint, other_id bigint, at timestamptz,"
            " PRIMARY KEY (owner_id, other_id)) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY keep_pairs (owner_id, other_id, at) FROM STDIN") as copy:
            for (owner, other), moment in pairs.items():
                copy.write_row((owner, other, datetime.fromtimestamp(moment, UTC)))
        cursor.execute("ANALYZE keep_facts")
        cursor.execute("ANALYZE keep_pairs")
        cursor.execute(
            CONTACT_INSERT.format(columns=", ".join(columns), values=", ".join(values)), params
        )
        created = cursor.rowcount
        note_columns = [
            connection.ops.quote_name(str(f.column))
            for f in ContactNote._meta.concrete_fields
            if not f.primary_key
        ]
        note_values = {
            "created_at": "c.updated_at",
            "updated_at": "c.updated_at",
            "contact_id": "c.id",
            "occurred_on": "(c.updated_at)::date",
            "kind": "(ARRAY['note','call','coffee','meeting'])[1 + c.id %% 4]",
            "body": "(%(bodies)s::text[])[1 + c.id %% %(body_count)s]",
        }
        cursor.execute(
            f"INSERT INTO contacts_contactnote ({', '.join(note_columns)}) "
            f"SELECT {', '.join(note_values[f.attname] for f in ContactNote._meta.concrete_fields if not f.primary_key)} "
            "FROM contacts_contact c WHERE c.owner_id <> %(viewer)s AND c.id %% %(every)s = 0 "
            "ORDER BY c.id",
            {
                "bodies": list(NOTE_BODIES),
                "body_count": len(NOTE_BODIES),
                "viewer": viewer or 0,
                "every": NOTE_EVERY,
            },
        )
    return int(created)


def _connection_contacts_orm(
    ctx: StageContext, sink: Any, written: Written, viewer: int | None, names: dict
) -> int:
    """The same as ``_connection_contacts_sql``, streamed (SQLite, small tiers)."""
    from rounds.contacts.models import Contact, ContactNote
    from rounds.network.models import Connection

    pairs = _direct_pairs(written, viewer)
    everyone = list(names)
    facts = _member_facts(ctx.using, everyone)
    ids = _allocator([Contact, ContactNote], ctx.using)
    created = 0
    notes: list[tuple[int, datetime]] = []
    for owner, other, created_at, last, override, proposed in (
        Connection.objects.using(ctx.using)
        .exclude(owner_id=viewer or 0)
        .order_by("id")
        .values_list(
            "owner_id",
            "other_id",
            "created_at",
            "last_interaction_at",
            "override_type",
            "proposed_type",
        )
        .iterator(chunk_size=10_000)
    ):
        kind = override or proposed or "personal"
        clock = last or created_at
        direct = pairs.get((owner, other))
        if direct is not None:
            clock = max(clock, datetime.fromtimestamp(direct, UTC))
        org, title = facts.get(other, ("", ""))
        pk = ids.take(Contact)
        sink.add(
            Contact,
            {
                "id": pk,
                "created_at": created_at,
                "updated_at": clock,
                "owner_id": owner,
                "member_id": other,
                "connected": True,
                "name": (names.get(other, ("", ""))[0] or "A member")[:200],
                "organization": org[:200],
                "title": title[:200],
                "network_type": kind,
                "last_interaction_at": clock,
                "due_at": clock + timedelta(days=DEFAULT_DAYS.get(kind, 90)),
                "source": "connection",
            },
        )
        if pk % NOTE_EVERY == 0:
            notes.append((pk, clock))
        created += 1
        if created % 20_000 == 0:
            sink.flush()
    sink.flush()
    kinds = ("note", "call", "coffee", "meeting")
    for pk, clock in notes:
        sink.add(
            ContactNote,
            {
                "id": ids.take(ContactNote),
                "created_at": clock,
                "updated_at": clock,
                "contact_id": pk,
                "occurred_on": clock.date(),
                "kind": kinds[pk % 4],
                "body": NOTE_BODIES[pk % len(NOTE_BODIES)],
            },
        )
    sink.flush()
    return created


# --- the stage --------------------------------------------------------------------------------


def build_keeping(ctx: StageContext) -> int:
    """Conversations, messages, notifications and contacts; returns the number of messages."""
    if ctx.vendor == "postgresql":
        return _build(ctx)
    from bench.connections import _explicit_timestamps

    with _explicit_timestamps(keeping_tables()):
        return _build(ctx)


def _build(ctx: StageContext) -> int:
    from rounds.network.models import Connection

    rng = ctx.rng("keeping")
    started = time.perf_counter()
    members, viewer, names = _members(ctx.using)
    if len(members) < 4:
        return 0
    sizes = keeping_sizes(ctx.tier)
    end = datetime.now(UTC).replace(second=0, microsecond=0).timestamp()
    viewer_contacts: list[int] = []
    if viewer is not None:
        viewer_contacts = list(
            Connection.objects.using(ctx.using)
            .filter(owner_id=viewer)
            .order_by("id")
            .values_list("other_id", flat=True)
        )
    plans: list[Plan] = []
    if viewer is not None and viewer_contacts:
        plans = _plan_viewer(rng, ctx.using, members, viewer, viewer_contacts, end)
    plans += _plan_others(rng, ctx.using, members, viewer, sizes["conversations"] - len(plans))
    print(
        f"  planned {len(plans):,} conversations in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    sink = _FilledSink(ctx.sink(keeping_tables()))
    written = _write_conversations(ctx, sink, plans, viewer)
    print(
        f"  {len(plans):,} conversations, {written.participants:,} seats, "
        f"{written.messages:,} messages ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    notifications = _write_notifications(
        ctx, sink, written, members, viewer, viewer_contacts, names
    )
    # other members' contacts first: on PostgreSQL they take ids from the sequence, and the
    # viewer's notebook then allocates explicit ids after them
    if ctx.vendor == "postgresql":
        contacts = _connection_contacts_sql(ctx, written, viewer)
    else:
        contacts = _connection_contacts_orm(ctx, sink, written, viewer, names)
    notebook = 0
    if viewer is not None:
        notebook = _write_viewer_notebook(ctx, sink, viewer, names, written)
    print(
        f"  {notifications:,} notifications; viewer notebook {notebook:,} contacts; "
        f"{contacts:,} connection contacts of other members ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return written.messages


# --- what the targets use ---------------------------------------------------------------------


def keeping_context(using: str = "default") -> dict[str, str]:
    """Placeholders for the keeping targets: ``conversation`` = the viewer's longest
    conversation (the 1,000-message one; "0" when the stage is not built, so the target is
    reported as not measured)."""
    from django.db.models import Count

    from rounds.messaging.models import Message, Participant
    from rounds.profiles.demo import DEMO_EMAIL

    seats = Participant.objects.using(using).filter(user__email=DEMO_EMAIL)
    longest = (
        Message.objects.using(using)
        .filter(conversation_id__in=seats.values("conversation_id"))
        .values("conversation_id")
        .annotate(n=Count("id"))
        .order_by("-n", "conversation_id")
        .first()
    )
    return {"conversation": str(longest["conversation_id"]) if longest else "0"}


def reset(using: str = "default") -> None:
    """Delete this stage's rows and its marker (the next build makes only this stage)."""
    from django.db import connections, transaction

    from bench.generate import MARKER_TABLE

    connection = connections[using]
    tables = [m._meta.db_table for m in keeping_tables()]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY")
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE stage = %s", ["keeping"])


def main(argv: list[str] | None = None) -> int:
    from bench.generate import prepare_database
    from bench.tiers import tier_named

    parser = argparse.ArgumentParser(description="The keeping stage of the bench dataset.")
    parser.add_argument("--tier", default="M")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--reset", action="store_true", help="remove this stage's rows")
    args = parser.parse_args(argv)
    prepare_database(tier_named(args.tier), args.db)
    if args.reset:
        reset()
        print("keeping stage removed; the next build makes it again.")
    print(keeping_context())
    return 0


if __name__ == "__main__":
    sys.exit(main())
