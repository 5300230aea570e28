"""The ``feed`` stage of the benchmark dataset (issue 6: groups, forums, posts and the feed).

On top of ``community``, ``connections`` and ``keeping`` it adds what a year of community life
leaves behind, at the tier's sizes (``tier.groups``, ``tier.posts``):

- **Groups** (2,000 at M): public 60 %, private 30 %, secret 10 %; members heavy-tailed
  (log-normal, a few of several thousand, most of a few dozen); one owner, a few moderators,
  some requests, invitations and bans; ``member_count`` = active members; 1–3 topics each.
  The bench viewer (the demo member) is an active member of exactly ``VIEWER_GROUPS`` (20):
  some of the largest public groups, private ones and a secret one; owner of one, moderator
  of another.
- **Forums**: threads in every group (log-normal, more in larger groups; pinned and locked
  ones), replies by the group's members, ``last_activity_at``/``reply_count`` consistent.
- **Follows**: ``HUB_AUTHORS`` hub authors (the connection hubs and a few more members) with
  thousands of followers each and thousands of posts over the year; a sprinkle of ordinary
  follows. The viewer follows ``VIEWER_HUB_FOLLOWS`` hubs and some members; the *hub follower*
  viewer follows every hub and the most prolific authors. ``NetworkState.follower_count`` /
  ``following_count`` are brought in line with the follows (degrees are untouched).
- **Topics** (``TOPICS`` with a Zipf popularity); ~40 % of posts name 1–3 in their body.
- **Posts** (2,000,000 at M) over the ``SPAN`` (one year) before the build: authors
  heavy-tailed (half the members never post), audiences public 45 % / members 20 % /
  connections 20 % / group 15 % (in one of the author's groups), ~2 % reposts, ~3 % edited
  (with a revision), a few hidden/removed by moderators; comments (one level of replies) and
  likes on a share of them with ``comment_count`` / ``like_count`` consistent.
- **Viewers**: the demo member (500 connections from the ``connections`` stage, 20 groups,
  follows hubs and topics); ``hub_follower`` (follows every hub author); ``returning`` (an
  ordinary member with ~300 connections and groups who last signed in ``AWAY_DAYS`` ago).

On PostgreSQL rows stream through COPY (the stage's sink); the forum and post search vectors
are filled by their triggers, switched to ``ENABLE ALWAYS`` for the load (the generator turns
ordinary triggers off with ``session_replication_role = replica``). Deterministic by seed.

``python -m bench.feedstage --tier M --reset`` removes this stage's rows and marker so that
the next ``bench.generate``/``bench.run`` builds only this stage again.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.generate import StageContext
    from bench.tiers import Tier

SPAN = timedelta(days=365)
VIEWER_GROUPS = 20
VIEWER_HUB_FOLLOWS = 5
VIEWER_MEMBER_FOLLOWS = 25
VIEWER_TOPIC_FOLLOWS = 5
VIEWER_POSTS = 40
AWAY_DAYS = 120
FLUSH_ROWS = 50_000
#: Triggers that fill search vectors; ``ENABLE ALWAYS`` for the load, back to normal after.
SEARCH_TRIGGERS = (
    ("feed_post", "feed_post_search_vector"),
    ("community_thread", "community_thread_search_vector"),
    ("community_reply", "community_reply_search_vector"),
)


def feed_sizes(tier: Tier) -> dict[str, Any]:
    """What this stage writes for ``tier``."""
    big = tier.members >= 100_000
    return {
        "groups": tier.groups,
        "posts": tier.posts,
        "hubs": 10 if big else 3,
        "hub_followers": (2_000, 8_000) if big else (100, 400),  # type: ignore[dict-item]
        "hub_posts": (2_000, 4_000) if big else (200, 400),  # type: ignore[dict-item]
        "follows": tier.members // 3,
        "topics": 400 if big else 60,
        "threads_per_group": 10,
        "replies_per_thread": 4,
    }


def feed_tables() -> list[type[Any]]:
    from rounds.community.models import Group, GroupMembership, GroupTopic, Reply, Thread
    from rounds.feed.models import Comment, Like, Post, PostRevision, PostTopic, Topic, TopicFollow
    from rounds.network.models import Follow

    return [
        Topic,
        Group,
        GroupTopic,
        GroupMembership,
        Follow,
        TopicFollow,
        Post,
        PostTopic,
        PostRevision,
        Comment,
        Like,
        Thread,
        Reply,
    ]


# --- text ---------------------------------------------------------------------------------------

TOPIC_WORDS = [
    "cardiology",
    "sepsis",
    "oncology",
    "nursing",
    "meded",
    "residency",
    "burnout",
    "wellness",
    "telehealth",
    "pediatrics",
    "neonatology",
    "radiology",
    "ai",
    "digitalhealth",
    "qualityimprovement",
    "patientsafety",
    "infectiousdisease",
    "antibiotics",
    "stewardship",
    "emergencymedicine",
    "criticalcare",
    "anesthesiology",
    "surgery",
    "orthopedics",
    "dermatology",
    "psychiatry",
    "mentalhealth",
    "primarycare",
    "familymedicine",
    "geriatrics",
    "palliativecare",
    "hospice",
    "pharmacy",
    "research",
    "clinicaltrials",
    "publichealth",
    "vaccines",
    "diabetes",
    "obesity",
    "nutrition",
    "nephrology",
    "dialysis",
    "hepatology",
    "gastroenterology",
    "endocrinology",
    "rheumatology",
    "neurology",
    "stroke",
    "epilepsy",
    "pulmonology",
    "asthma",
    "copd",
    "sleep",
    "urology",
    "obstetrics",
    "gynecology",
    "midwifery",
    "womenshealth",
    "menshealth",
    "globalhealth",
    "equity",
    "leadership",
    "careers",
    "mentorship",
    "interviews",
    "matchday",
    "boards",
    "cme",
    "conferences",
    "journalclub",
    "ehr",
    "informatics",
    "interoperability",
    "billing",
    "policy",
    "medicare",
    "medicaid",
    "insurance",
    "ethics",
    "simulation",
    "ultrasound",
    "pocus",
    "imaging",
    "genomics",
    "precisionmedicine",
    "immunotherapy",
    "hematology",
    "transfusion",
    "transplant",
    "trauma",
    "ems",
    "disaster",
    "toxicology",
    "addiction",
    "opioids",
    "painmanagement",
    "rehab",
    "physicaltherapy",
    "occupationaltherapy",
    "speechtherapy",
    "dentistry",
    "optometry",
    "audiology",
]
SUFFIXES = ("", "tips", "news", "research", "update", "life", "jobs", "2026", "community", "ed")

SENTENCES = (
    "Great discussion at grand rounds today about early sepsis recognition on the wards.",
    "Our unit just finished a quality improvement project on handoff communication.",
    "Sharing a new paper on anticoagulation in elderly patients with atrial fibrillation.",
    "Does anyone have a good checklist for discharge education they would share?",
    "Reminder: the regional conference abstract deadline is next Friday.",
    "We are hiring two nurse practitioners for our outpatient cardiology clinic.",
    "Interesting journal club this week on point-of-care ultrasound in the emergency department.",
    "Burnout among residents is real; protected wellness time made a difference for us.",
    "Telehealth follow-up visits cut our readmissions noticeably over six months.",
    "Proud of the team for launching the antibiotic stewardship dashboard.",
    "What is your approach to deprescribing in older adults on many medications?",
    "New guidelines on hypertension management came out; summary thread below.",
    "Just passed my board exam — thank you to every mentor who helped along the way.",
    "Simulation training for rare airway emergencies should be routine, not optional.",
    "How are your clinics handling prior authorization delays for biologics?",
    "Our hospital is piloting an early warning score with promising results.",
    "Looking for collaborators on a multicenter study of pediatric asthma outcomes.",
    "The opioid tapering workshop was one of the best CME sessions I have attended.",
    "Patient education materials in plain language improve adherence; data from our clinic.",
    "Nurses' input made our new electronic health record workflow so much better.",
    "Any recommendations for podcasts on critical care physiology?",
    "Precision oncology tumor boards are changing how we choose immunotherapy.",
    "Community health workers are the unsung heroes of chronic disease management.",
    "Vaccination outreach at the farmers market reached hundreds of people this weekend.",
    "Interesting case: atypical presentation of stroke in a young adult.",
    "Team-based care in primary practice freed up time for complex patients.",
    "Grateful for the chance to teach medical students on the wards this month.",
    "We reduced catheter-associated infections by half with a simple bundle.",
    "Mentorship matters: schedule the coffee, ask the question, follow up.",
    "Health equity starts with collecting the right data and acting on it.",
)
OPENERS = ("", "", "", "Quick thought:", "Update:", "Question for the group:", "Thoughts?")
LINKS = (
    "https://www.nejm.org/",
    "https://jamanetwork.com/",
    "https://www.thelancet.com/",
    "https://www.cdc.gov/",
    "https://pubmed.ncbi.nlm.nih.gov/",
)
COMMENTS = (
    "Great point, thanks for sharing.",
    "We saw the same thing in our unit.",
    "Could you share the checklist?",
    "Congratulations!",
    "Interesting — do you have the reference?",
    "Agree completely.",
    "This matches our experience with telehealth follow-up.",
    "Thanks, very helpful for our residents.",
    "How did you get buy-in from the nursing team?",
    "Saving this for journal club.",
)
THREAD_TITLES = (
    "Best resources for board preparation?",
    "How does your team handle night handoffs?",
    "Journal club: this month's article",
    "Job openings and referrals",
    "Introduce yourself!",
    "Sepsis bundle compliance — what works?",
    "Telehealth billing questions",
    "Burnout and wellness: sharing strategies",
    "Conference meetup planning",
    "Case discussion: a diagnostic puzzle",
    "EHR workflow tips and templates",
    "Mentorship program sign-up",
    "Guideline update summary",
    "Research collaboration requests",
    "Patient education materials that work",
)
GROUP_KINDS = (
    "Network",
    "Forum",
    "Society",
    "Collaborative",
    "Circle",
    "Community",
    "Study Group",
    "Alumni",
    "Leaders",
    "Residents",
)
GROUP_SUBJECTS = (
    "Cardiology",
    "Critical Care",
    "Emergency Medicine",
    "Pediatric",
    "Oncology Nursing",
    "Primary Care",
    "Hospital Medicine",
    "Palliative Care",
    "Infectious Disease",
    "Digital Health",
    "Quality Improvement",
    "Women in Medicine",
    "Rural Health",
    "Global Health",
    "Medical Education",
    "Anesthesia",
    "Surgery",
    "Psychiatry",
    "Pharmacy",
    "Radiology",
)
#: In ~0.05 % of posts: the rare word of the search target ("kikuchi", ~1,000 posts at M).
RARE_SENTENCE = "A rare case of Kikuchi disease presenting with fever and lymphadenopathy."
MODERATION_REASONS = ("Shares patient details.", "Off-topic promotion.", "Harassment.")


def _topic_slugs(count: int) -> list[str]:
    slugs: list[str] = []
    for suffix in SUFFIXES:
        for word in TOPIC_WORDS:
            slugs.append(word + suffix)
            if len(slugs) >= count:
                return slugs
    return slugs


# --- helpers ------------------------------------------------------------------------------------


class _Zipf:
    """Draw indexes 0..n-1 with probability ∝ 1 / (i + 1)^s."""

    def __init__(self, rng: random.Random, n: int, s: float = 1.1):
        self.rng = rng
        total = 0.0
        self.cum: list[float] = []
        for i in range(n):
            total += 1.0 / (i + 1) ** s
            self.cum.append(total)
        self.total = total

    def draw(self) -> int:
        return bisect.bisect_left(self.cum, self.rng.random() * self.total)


def _row(model: type[Any], values: dict[str, Any], cache: dict[type[Any], dict[str, Any]]) -> Any:
    defaults = cache.get(model)
    if defaults is None:
        defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
        cache[model] = defaults
    return {**defaults, **values}


class _Sink:
    def __init__(self, sink: Any):
        self.sink = sink
        self.cache: dict[type[Any], dict[str, Any]] = {}
        self.pending = 0

    def add(self, model: type[Any], values: dict[str, Any]) -> None:
        self.sink.add(model, _row(model, values, self.cache))
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        self.sink.flush()
        self.pending = 0


def _members(using: str) -> tuple[list[int], int | None, dict[int, int]]:
    """(ordinary member user ids, demo user id, connection degree by user id)."""
    from rounds.network.models import NetworkState
    from rounds.profiles.demo import DEMO_EMAIL
    from rounds.profiles.models import Profile

    rows = list(
        Profile.objects.using(using)
        .filter(user__is_staff=False, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "user__email")
    )
    demo = next((uid for uid, email in rows if email == DEMO_EMAIL), None)
    members = [uid for uid, _ in rows if uid != demo]
    degree = dict(NetworkState.objects.using(using).values_list("user_id", "degree"))
    return members, demo, degree


def returning_viewer_id(using: str = "default") -> int | None:
    """The "returning after months" viewer: the first ordinary member (by id) with 250–350
    connections (not a hub, not the demo member)."""
    from rounds.network.models import NetworkState
    from rounds.profiles.demo import DEMO_EMAIL

    return (
        NetworkState.objects.using(using)
        .filter(degree__gte=250, degree__lte=350)
        .exclude(user__email=DEMO_EMAIL)
        .exclude(user__is_staff=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )


# --- the stage ------------------------------------------------------------------------------


def build_feed(ctx: StageContext) -> int:
    """Groups, forums, follows, topics, posts, comments and likes; returns the posts written."""
    from django.db import connections

    connection = connections[ctx.using]
    if ctx.vendor != "postgresql":
        from bench.connections import _explicit_timestamps

        with _explicit_timestamps(feed_tables()):
            return _build(ctx)
    with connection.cursor() as cursor:
        for table, trigger in SEARCH_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")
    try:
        return _build(ctx)
    finally:
        with connection.cursor() as cursor:
            for table, trigger in SEARCH_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def _build(ctx: StageContext) -> int:
    from django.db import connections

    from rounds.community.models import Group, GroupMembership, GroupTopic, Reply, Thread
    from rounds.feed.models import Comment, Like, Post, PostRevision, PostTopic, Topic, TopicFollow
    from rounds.network.models import Follow
    from rounds.profiles.demo import IdAllocator

    rng = ctx.rng("feed")
    started = time.perf_counter()
    sizes = feed_sizes(ctx.tier)
    members, demo, degree = _members(ctx.using)
    if len(members) < 50:
        return 0
    sink = _Sink(ctx.sink(feed_tables()))
    ids = IdAllocator.from_database(feed_tables(), ctx.using)
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    end_ts = end.timestamp()
    start_ts = (end - SPAN).timestamp()
    span = end_ts - start_ts

    def at(ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC)

    # --- topics
    topic_slugs = _topic_slugs(sizes["topics"])
    topic_ids: list[int] = []
    for slug in topic_slugs:
        tid = ids.take(Topic)
        topic_ids.append(tid)
        sink.add(Topic, {"id": tid, "slug": slug, "name": slug, "created_at": at(start_ts)})
    topic_zipf = _Zipf(rng, len(topic_ids))

    # --- groups and memberships
    n_groups = sizes["groups"]
    visibility = ["public"] * 6 + ["private"] * 3 + ["secret"]
    groups: list[tuple[int, str, list[int]]] = []  # (id, visibility, active member ids)
    member_groups: dict[int, list[int]] = defaultdict(list)
    cap = max(len(members) // 25, 10)
    sized = sorted(
        (min(max(int(rng.lognormvariate(3.3, 1.25)), 3), cap) for _ in range(n_groups)),
        reverse=True,
    )
    memberships = 0
    for index in range(n_groups):
        gid = ids.take(Group)
        vis = visibility[index % len(visibility)] if index >= 3 else "public"
        size = sized[index]
        people = rng.sample(members, size)
        created = at(start_ts - rng.random() * 2 * span)
        subject = GROUP_SUBJECTS[index % len(GROUP_SUBJECTS)]
        kind = GROUP_KINDS[(index // len(GROUP_SUBJECTS)) % len(GROUP_KINDS)]
        name = f"{subject} {kind} {index + 1}"
        active: list[int] = []
        rows: list[tuple[int, str, str]] = []
        for position, uid in enumerate(people):
            roll = rng.random()
            if position == 0:
                state, role = "active", "owner"
            elif position <= 2 and size > 20:
                state, role = "active", "moderator"
            elif roll < 0.02 and vis != "public":
                state, role = "requested", "member"
            elif roll < 0.04:
                state, role = "invited", "member"
            elif roll < 0.05:
                state, role = "banned", "member"
            else:
                state, role = "active", "member"
            rows.append((uid, state, role))
            if state == "active":
                active.append(uid)
        if demo is not None and index < VIEWER_GROUPS * 3 and index % 3 == 0:
            # the viewer: 20 groups among the largest (public, private and secret ones),
            # owner of the first, moderator of the second
            role = "owner" if index == 0 else ("moderator" if index == 3 else "member")
            if role == "owner":
                rows[0] = (rows[0][0], "active", "moderator")
            rows.append((demo, "active", role))
            active.append(demo)
        sink.add(
            Group,
            {
                "id": gid,
                "name": name,
                "slug": f"{subject.lower().replace(' ', '-')}-{kind.lower().replace(' ', '-')}-{index + 1}",
                "description": f"A {vis} group for clinicians interested in {subject.lower()}.",
                "visibility": vis,
                "created_by_id": people[0],
                "member_count": len(active),
                "created_at": created,
                "updated_at": created,
            },
        )
        for t in dict.fromkeys(
            topic_slugs[topic_zipf.draw()][:40] for _ in range(rng.randint(1, 3))
        ):
            sink.add(GroupTopic, {"id": ids.take(GroupTopic), "group_id": gid, "name": t})
        for uid, state, role in rows:
            joined = at(created.timestamp() + rng.random() * (end_ts - created.timestamp()))
            sink.add(
                GroupMembership,
                {
                    "id": ids.take(GroupMembership),
                    "group_id": gid,
                    "user_id": uid,
                    "role": role,
                    "state": state,
                    "joined_at": joined if state in ("active", "banned") else None,
                    "created_at": joined,
                    "updated_at": joined,
                },
            )
            memberships += 1
        for uid in active:
            member_groups[uid].append(gid)
        groups.append((gid, vis, active))
    sink.flush()
    print(
        f"  {n_groups:,} groups, {memberships:,} memberships "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )

    # --- follows: hub authors, ordinary follows, the viewers
    by_degree = sorted(members, key=lambda u: (-degree.get(u, 0), u))
    hubs = by_degree[: sizes["hubs"] // 2]
    others = [u for u in by_degree[200:] if degree.get(u, 0) < 1000]
    hubs += rng.sample(others[: len(others) // 2], sizes["hubs"] - len(hubs))
    returning = returning_viewer_id(ctx.using)
    hub_follower = next(
        u
        for u in sorted(others, key=lambda u: (abs(degree.get(u, 0) - 150), u))
        if u not in hubs and u != returning
    )
    follows: set[tuple[int, int]] = set()
    lo, hi = sizes["hub_followers"]  # type: ignore[misc]
    for hub in hubs:
        for follower in rng.sample(members, rng.randint(lo, hi)):
            if follower != hub:
                follows.add((follower, hub))
    for _ in range(sizes["follows"]):
        a, b = rng.choice(members), rng.choice(members)
        if a != b:
            follows.add((a, b))
    # prolific authors (the hub follower follows them too): drawn now, used for post weights
    prolific = rng.sample(others, 40)
    for hub in hubs + prolific:
        if hub != hub_follower:
            follows.add((hub_follower, hub))
    if demo is not None:
        for hub in hubs[:VIEWER_HUB_FOLLOWS]:
            follows.add((demo, hub))
        for other in rng.sample(members, VIEWER_MEMBER_FOLLOWS):
            follows.add((demo, other))
        for follower in rng.sample(members, 60):
            follows.add((follower, demo))
    for follower, followee in sorted(follows):
        created = at(start_ts - rng.random() * span)
        sink.add(
            Follow,
            {
                "id": ids.take(Follow),
                "follower_id": follower,
                "followee_id": followee,
                "created_at": created,
            },
        )
    # topic follows: the viewer, and a sprinkle
    topic_follows: set[tuple[int, int]] = set()
    if demo is not None:
        for i in range(VIEWER_TOPIC_FOLLOWS):
            topic_follows.add((demo, topic_ids[i * 3]))
    for _ in range(len(members) // 5):
        topic_follows.add((rng.choice(members), topic_ids[topic_zipf.draw()]))
    for uid, tid in sorted(topic_follows):
        sink.add(
            TopicFollow,
            {
                "id": ids.take(TopicFollow),
                "user_id": uid,
                "topic_id": tid,
                "created_at": at(start_ts),
            },
        )
    sink.flush()
    print(
        f"  {len(follows):,} follows ({len(hubs)} hub authors), {len(topic_follows):,} topic "
        f"follows ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )

    # --- posts
    n_posts = sizes["posts"]
    weights: dict[int, float] = {}
    for uid in members:
        weights[uid] = 0.0 if rng.random() < 0.5 else rng.lognormvariate(0.3, 1.1)
    for uid in prolific:
        weights[uid] = 40.0
    base_total = sum(weights.values())
    hub_lo, hub_hi = sizes["hub_posts"]  # type: ignore[misc]
    for hub in hubs:
        weights[hub] = base_total * rng.randint(hub_lo, hub_hi) / n_posts
    if demo is not None:
        weights[demo] = base_total * VIEWER_POSTS / n_posts
    authors = list(weights)
    cum = list(itertools.accumulate(weights[u] for u in authors))
    total_weight = cum[-1]
    # connections of authors who post to "connections" are not needed (the audience rule reads
    # them); a repost picks a recent public post
    times = sorted(rng.random() for _ in range(n_posts))
    handles = _some_handles(ctx.using, rng)
    recent_public: list[int] = []
    reposted: dict[int, int] = defaultdict(int)
    counts = {"comments": 0, "likes": 0, "topics": 0, "revisions": 0}
    first_post_id = None
    for number, fraction in enumerate(times, 1):
        author = authors[bisect.bisect_left(cum, rng.random() * total_weight)]
        created_ts = start_ts + fraction * span
        created = at(created_ts)
        pid = ids.take(Post)
        if first_post_id is None:
            first_post_id = pid
        roll = rng.random()
        groups_of = member_groups.get(author)
        group_id = None
        if roll < 0.45:
            audience = "public"
        elif roll < 0.65:
            audience = "members"
        elif roll < 0.85:
            audience = "connections"
        elif groups_of:
            audience, group_id = "group", rng.choice(groups_of)
        else:
            audience = "public"
        repost_of = None
        if audience == "public" and recent_public and rng.random() < 0.02:
            repost_of = rng.choice(recent_public)
            reposted[repost_of] += 1
        names = []
        if rng.random() < 0.4:
            names = list(dict.fromkeys(topic_zipf.draw() for _ in range(rng.choice((1, 1, 2, 3)))))
        body = _post_body(rng, [topic_slugs[i] for i in names], handles)
        if repost_of is not None and rng.random() < 0.5:
            body = ""
        state, reason = "visible", ""
        mroll = rng.random()
        if mroll < 0.003:
            state, reason = "hidden", rng.choice(MODERATION_REASONS)
        elif mroll < 0.005:
            state, reason = "removed", rng.choice(MODERATION_REASONS)
        edited = None
        if body and rng.random() < 0.03:
            edited = at(min(created_ts + rng.random() * 86400, end_ts))
            sink.add(
                PostRevision,
                {
                    "id": ids.take(PostRevision),
                    "post_id": pid,
                    "body": body[: len(body) // 2] or body,
                    "created_at": created,
                },
            )
            counts["revisions"] += 1
        # comments and likes (written with the post, counts consistent)
        like_count = 0
        likes_roll = rng.random()
        if likes_roll < 0.3:
            like_count = min(int(rng.expovariate(1 / 3)) + 1, 200)
            if author in hubs:
                like_count *= 5
        comment_count = 0
        if rng.random() < 0.12:
            comment_count = min(int(rng.expovariate(1 / 2)) + 1, 40)
        sink.add(
            Post,
            {
                "id": pid,
                "author_id": author,
                "body": body,
                "audience": audience,
                "group_id": group_id,
                "repost_of_id": repost_of,
                "is_repost": repost_of is not None,
                "like_count": like_count,
                "comment_count": comment_count,
                "repost_count": 0,
                "created_at": created,
                "updated_at": edited or created,
                "edited_at": edited,
                "moderation_state": state,
                "moderation_reason": reason,
            },
        )
        for i in names:
            sink.add(
                PostTopic,
                {
                    "id": ids.take(PostTopic),
                    "post_id": pid,
                    "topic_id": topic_ids[i],
                    "created_at": created,
                },
            )
            counts["topics"] += 1
        if like_count:
            for liker in rng.sample(members, like_count):
                sink.add(
                    Like,
                    {
                        "id": ids.take(Like),
                        "post_id": pid,
                        "user_id": liker,
                        "created_at": at(min(created_ts + rng.random() * 3 * 86400, end_ts)),
                    },
                )
            counts["likes"] += like_count
        parent = None
        for c in range(comment_count):
            cid = ids.take(Comment)
            when = at(min(created_ts + (c + rng.random()) * 3600, end_ts))
            is_reply = parent is not None and rng.random() < 0.3
            sink.add(
                Comment,
                {
                    "id": cid,
                    "post_id": pid,
                    "author_id": rng.choice(members),
                    "parent_id": parent if is_reply else None,
                    "body": rng.choice(COMMENTS),
                    "created_at": when,
                    "updated_at": when,
                    "moderation_state": "visible",
                    "moderation_reason": "",
                },
            )
            if not is_reply:
                parent = cid
        counts["comments"] += comment_count
        if audience == "public" and repost_of is None and state == "visible":
            recent_public.append(pid)
            if len(recent_public) > 500:
                recent_public.pop(0)
        if number % 250_000 == 0:
            print(f"  … {number:,} posts ({time.perf_counter() - started:.1f} s)", flush=True)
    sink.flush()
    print(
        f"  {n_posts:,} posts, {counts['topics']:,} topic links, {counts['comments']:,} "
        f"comments, {counts['likes']:,} likes, {counts['revisions']:,} revisions "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )

    # --- forums
    threads = replies = 0
    for gid, _vis, active in groups:
        if not active:
            continue
        wanted = min(
            int(
                rng.lognormvariate(math.log(sizes["threads_per_group"]) - 0.5, 1.0)
                * (1 + math.log10(max(len(active), 1)))
            ),
            2_000,
        )
        for position in range(max(wanted, 1)):
            tid = ids.take(Thread)
            created_ts = start_ts + rng.random() * span
            n_replies = min(int(rng.expovariate(1 / sizes["replies_per_thread"])), 300)
            last = created_ts
            reply_rows = []
            previous = None
            for _ in range(n_replies):
                last = min(last + rng.expovariate(1 / 86400), end_ts)
                rid = ids.take(Reply)
                reply_rows.append(
                    {
                        "id": rid,
                        "thread_id": tid,
                        "author_id": rng.choice(active),
                        "body": " ".join(rng.sample(SENTENCES, 2)),
                        "quoted_id": previous if previous and rng.random() < 0.1 else None,
                        "created_at": at(last),
                        "updated_at": at(last),
                        "moderation_state": "visible",
                        "moderation_reason": "",
                    }
                )
                previous = rid
            title = THREAD_TITLES[(gid + position) % len(THREAD_TITLES)]
            sink.add(
                Thread,
                {
                    "id": tid,
                    "group_id": gid,
                    "author_id": rng.choice(active),
                    "title": title,
                    "body": " ".join(rng.sample(SENTENCES, 3)),
                    "pinned": position == 0 and rng.random() < 0.3,
                    "locked": rng.random() < 0.02,
                    "last_activity_at": at(last),
                    "reply_count": n_replies,
                    "created_at": at(created_ts),
                    "updated_at": at(last),
                    "moderation_state": "visible",
                    "moderation_reason": "",
                },
            )
            for row in reply_rows:
                sink.add(Reply, row)
            threads += 1
            replies += n_replies
    sink.flush()
    print(
        f"  {threads:,} threads, {replies:,} replies ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )

    # --- consistency: repost counts, follower counts; the returning viewer's last sign-in
    connection = connections[ctx.using]
    with connection.cursor() as cursor:
        if reposted:
            for original, n in reposted.items():
                cursor.execute(
                    "UPDATE feed_post SET repost_count = %s WHERE id = %s", [n, original]
                )
        cursor.execute(
            "UPDATE network_networkstate AS s SET follower_count = f.n FROM "
            "(SELECT followee_id, COUNT(*) n FROM network_follow GROUP BY followee_id) f "
            "WHERE s.user_id = f.followee_id"
        )
        cursor.execute(
            "UPDATE network_networkstate AS s SET following_count = f.n FROM "
            "(SELECT follower_id, COUNT(*) n FROM network_follow GROUP BY follower_id) f "
            "WHERE s.user_id = f.follower_id"
        )
        if returning is not None:
            cursor.execute(
                "UPDATE accounts_user SET last_login = %s WHERE id = %s",
                [end - timedelta(days=AWAY_DAYS), returning],
            )
    print(f"  viewers: hub follower {hub_follower}, returning {returning}", flush=True)
    return n_posts


def _some_handles(using: str, rng: random.Random) -> list[str]:
    from rounds.profiles.models import Profile

    handles = list(
        Profile.objects.using(using).order_by("id").values_list("handle", flat=True)[:5000]
    )
    return rng.sample(handles, min(len(handles), 500))


def _post_body(rng: random.Random, topics: list[str], handles: list[str]) -> str:
    parts = [rng.choice(OPENERS)]
    parts += rng.sample(SENTENCES, rng.choice((1, 1, 2, 2, 3, 4)))
    if rng.random() < 0.05:
        parts.append(rng.choice(LINKS))
    if rng.random() < 0.0005:
        parts.append(RARE_SENTENCE)
    if handles and rng.random() < 0.02:
        parts.append(f"cc @{rng.choice(handles)}")
    if topics:
        parts.append(" ".join(f"#{t}" for t in topics))
    return " ".join(p for p in parts if p)


# --- the inbox stage ----------------------------------------------------------------------------


def inbox_tables() -> list[type[Any]]:
    from rounds.feed.models import InboxEntry

    return [InboxEntry]


def _viewer_ids(ctx: StageContext) -> list[int]:
    from bench.connections import network_viewers
    from rounds.accounts.models import User

    emails = {**network_viewers(ctx.tier, ctx.using), **feed_viewers(ctx.using)}
    return sorted(
        set(
            User.objects.using(ctx.using)
            .filter(email__in=emails.values())
            .values_list("id", flat=True)
        )
    )


def build_inbox(ctx: StageContext) -> int:
    """The bench viewers' home-feed inboxes as fan-out on write would have filled them
    (``rounds.feed.services.fan_out``): the newest ``INBOX_CAP`` non-group posts by their
    connections (any audience), followees (public/members) and themselves, hubs
    (``selectors.HUB_REACH``) left out. Only the viewers' inboxes: every member's would be
    ~100,000,000 rows at M (docs/benchmarks.md)."""
    from django.db import connections

    from rounds.feed.selectors import HUB_REACH
    from rounds.feed.services import INBOX_CAP

    if ctx.vendor != "postgresql":
        return 0  # SQLite: the feed reads these viewers' people at read time
    written = 0
    with connections[ctx.using].cursor() as cursor:
        for viewer in _viewer_ids(ctx):
            cursor.execute(
                """
                WITH hubs AS (
                    SELECT user_id FROM network_networkstate
                    WHERE degree + follower_count >= %(reach)s),
                people AS (
                    SELECT %(viewer)s AS id, TRUE AS connected
                    UNION SELECT other_id, TRUE FROM network_connection WHERE owner_id = %(viewer)s
                    UNION SELECT followee_id, FALSE FROM network_follow
                        WHERE follower_id = %(viewer)s),
                sources AS (
                    SELECT id, bool_or(connected) AS connected FROM people
                    WHERE id NOT IN (SELECT user_id FROM hubs) GROUP BY id)
                INSERT INTO feed_inboxentry (member_id, post_id, created_at)
                SELECT %(viewer)s, p.id, p.created_at FROM sources s
                CROSS JOIN LATERAL (
                    SELECT p.id, p.created_at FROM feed_post p
                    WHERE p.author_id = s.id AND p.audience <> 'group'
                      AND (s.connected OR p.audience IN ('public', 'members'))
                    ORDER BY p.created_at DESC, p.id DESC LIMIT %(cap)s) p
                ORDER BY p.created_at DESC, p.id DESC LIMIT %(cap)s
                """,
                {"viewer": viewer, "reach": HUB_REACH, "cap": INBOX_CAP},
            )
            written += int(cursor.rowcount)
    print(f"  {written:,} inbox entries for the bench viewers", flush=True)
    return written


# --- what the targets use -----------------------------------------------------------------------


def feed_viewers(using: str = "default") -> dict[str, str]:
    """E-mail of each viewer the feed targets use besides the demo member: ``hub_follower``
    (the member following the most members; the stage makes them follow every hub author)
    and ``returning`` (``returning_viewer_id``)."""
    from django.db.models import Count

    from rounds.accounts.models import User
    from rounds.network.models import Follow
    from rounds.profiles.demo import DEMO_EMAIL

    viewers: dict[str, str] = {}
    top = (
        Follow.objects.using(using)
        .exclude(follower__email=DEMO_EMAIL)
        .values("follower_id")
        .annotate(n=Count("id"))
        .order_by("-n", "follower_id")
        .first()
    )
    if top:
        viewers["hub_follower"] = User.objects.using(using).get(pk=top["follower_id"]).email
    returning = returning_viewer_id(using)
    if returning is not None:
        viewers["returning"] = User.objects.using(using).get(pk=returning).email
    return viewers


def feed_context(using: str = "default") -> dict[str, str]:
    """Placeholders for the feed targets: ``group`` (the slug of the viewer's largest group),
    ``thread`` (its thread with the most replies), ``post_q`` (a common word in posts) and
    ``post_rare`` (a rarer one), ``feed_cursor`` (the demo member's second feed page);
    "missing"/"0" when the stage is not built."""
    from rounds.community.models import Group, GroupMembership, Thread
    from rounds.profiles.demo import DEMO_EMAIL

    mine = (
        GroupMembership.objects.using(using)
        .filter(user__email=DEMO_EMAIL, state="active")
        .values("group_id")
    )
    group = (
        Group.objects.using(using)
        .filter(id__in=mine)
        .order_by("-member_count", "id")
        .values_list("id", "slug")
        .first()
    )
    thread = None
    if group:
        thread = (
            Thread.objects.using(using)
            .filter(group_id=group[0])
            .order_by("-reply_count", "id")
            .values_list("id", flat=True)
            .first()
        )
    cursor = ""
    from rounds.accounts.models import User
    from rounds.feed.selectors import home_feed

    demo = User.objects.using(using).filter(email=DEMO_EMAIL).first()
    if demo is not None:
        cursor = home_feed(viewer=demo).next_cursor or ""
    return {
        "feed_cursor": cursor,
        "group": group[1] if group else "missing",
        "thread": str(thread or 0),
        "post_q": "sepsis",
        "post_rare": "kikuchi",
    }


def reset(using: str = "default") -> None:
    """Delete this stage's rows and its marker (the next build makes only this stage)."""
    from django.db import connections, transaction

    from bench.generate import MARKER_TABLE

    connection = connections[using]
    tables = [m._meta.db_table for m in feed_tables()]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            cursor.execute(
                "UPDATE network_networkstate SET follower_count = 0, following_count = 0 "
                "WHERE follower_count <> 0 OR following_count <> 0"
            )
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE stage = %s", ["feed"])


def main(argv: list[str] | None = None) -> int:
    from bench.generate import prepare_database
    from bench.tiers import tier_named

    parser = argparse.ArgumentParser(description="The feed stage of the bench dataset.")
    parser.add_argument("--tier", default="M")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--reset", action="store_true", help="remove this stage's rows")
    args = parser.parse_args(argv)
    prepare_database(tier_named(args.tier), args.db)
    if args.reset:
        reset()
        print("feed stage removed; the next build makes it again.")
    print(feed_viewers(), feed_context())
    return 0


if __name__ == "__main__":
    sys.exit(main())
