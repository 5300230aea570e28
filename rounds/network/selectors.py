"""Reads for the network: connection lists, requests, follows, relationships, health and
recommendations. Everything here is about the viewer's own network: callers pass ``viewer``
and never read another member's labels, types, health or recommendations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from rounds.profiles.models import Affiliation, Profile
from rounds.profiles.selectors import profile_with_details

from .metrics import Contact, HealthReport, health_report
from .models import (
    Block,
    Connection,
    ConnectionRequest,
    Follow,
    NetworkState,
    NetworkType,
    RecommendationDismissal,
)
from .ranking import (
    PER_CONTACT_EXPANSION,
    SHORTLIST_FACTOR,
    adamic_adar_scores,
    final_score,
    top_candidates,
)
from .services import member_traits

HEALTH_CACHE_SECONDS = 24 * 3600
RECOMMENDATION_CACHE_SECONDS = 6 * 3600
MAX_EXPANDED_CONTACTS = 500


def network_version(user_id: int) -> int:
    """The member's network version (bumped by every change to their own ties)."""
    return (
        NetworkState.objects.filter(user_id=user_id).values_list("version", flat=True).first() or 0
    )


def type_q(network_type: str) -> Q:
    """Connections whose effective type (override, else proposal) is ``network_type``."""
    return Q(override_type=network_type) | Q(override_type="", proposed_type=network_type)


def connection_list_for(
    *, viewer: Any, network_type: str = "", q: str = "", label: str = ""
) -> QuerySet[Connection]:
    """The viewer's connections (their own private side), newest first, with the contact's profile."""
    qs = Connection.objects.filter(owner=viewer)
    if network_type in NetworkType.values:
        qs = qs.filter(type_q(network_type))
    if label:
        qs = qs.filter(label=label)
    if q:
        qs = qs.filter(
            Q(other__profile__display_name__icontains=q.strip())
            | Q(other__profile__headline__icontains=q.strip())
        )
    return qs.select_related("other__profile").order_by("-created_at", "-id")


def connection_counts_for(*, viewer: Any) -> dict[str, int]:
    """How many of the viewer's connections are in each network."""
    counts = {t: 0 for t in NetworkType.values}
    for override, proposed in Connection.objects.filter(owner=viewer).values_list(
        "override_type", "proposed_type"
    ):
        counts[override or proposed] += 1
    return counts


def pending_q(now: datetime | None = None) -> Q:
    return Q(state=ConnectionRequest.State.PENDING, expires_at__gt=now or timezone.now())


def incoming_requests_for(*, viewer: Any) -> QuerySet[ConnectionRequest]:
    """Pending, unexpired requests addressed to the viewer, newest first."""
    return (
        ConnectionRequest.objects.filter(pending_q(), recipient=viewer)
        .select_related("sender__profile")
        .order_by("-created_at", "-id")
    )


def outgoing_requests_for(*, viewer: Any) -> QuerySet[ConnectionRequest]:
    """Pending, unexpired requests the viewer sent, newest first."""
    return (
        ConnectionRequest.objects.filter(pending_q(), sender=viewer)
        .select_related("recipient__profile")
        .order_by("-created_at", "-id")
    )


def blocked_list_for(*, viewer: Any) -> QuerySet[Block]:
    return (
        Block.objects.filter(blocker=viewer)
        .select_related("blocked__profile")
        .order_by("-created_at")
    )


def followers_of(*, viewer: Any, user: Any) -> QuerySet[Profile]:
    """Profiles following ``user`` that the viewer may see (blocks respected both ways)."""
    from rounds.profiles.selectors import profile_visible_to

    qs = profile_visible_to(viewer=viewer).filter(
        Exists(Follow.objects.filter(follower_id=OuterRef("user_id"), followee=user))
    )
    return profile_with_details(qs).order_by("display_name", "id")


def following_of(*, viewer: Any, user: Any) -> QuerySet[Profile]:
    """Profiles ``user`` follows that the viewer may see."""
    from rounds.profiles.selectors import profile_visible_to

    qs = profile_visible_to(viewer=viewer).filter(
        Exists(Follow.objects.filter(followee_id=OuterRef("user_id"), follower=user))
    )
    return profile_with_details(qs).order_by("display_name", "id")


@dataclass(frozen=True)
class Relationship:
    """How the viewer relates to another member (for buttons on a profile)."""

    is_self: bool = False
    connection: Connection | None = None
    incoming_request: ConnectionRequest | None = None
    outgoing_request: ConnectionRequest | None = None
    following: bool = False
    followed_by: bool = False
    blocked_by_me: bool = False
    follower_count: int = 0
    following_count: int = 0


def relationship_between(*, viewer: Any, other: Any) -> Relationship:
    """The viewer's relationship to ``other``: one query (counts, connection, pending requests
    both ways, follows both ways, the viewer's block), plus one more for each of the connection
    and the pending requests only when there is one."""
    user_model = type(other)
    counts = NetworkState.objects.filter(user=OuterRef("pk"))
    qs = user_model._default_manager.filter(pk=other.pk).annotate(
        followers=Subquery(counts.values("follower_count")[:1]),
        followings=Subquery(counts.values("following_count")[:1]),
    )
    members = viewer is not None and viewer.is_authenticated and viewer.pk != other.pk
    if members:
        qs = qs.annotate(
            connection_id=Subquery(
                Connection.objects.filter(owner=viewer, other=OuterRef("pk")).values("pk")[:1]
            ),
            has_request=Exists(
                ConnectionRequest.objects.filter(pending_q()).filter(
                    Q(sender=viewer, recipient=OuterRef("pk"))
                    | Q(sender=OuterRef("pk"), recipient=viewer)
                )
            ),
            following=Exists(Follow.objects.filter(follower=viewer, followee=OuterRef("pk"))),
            followed_by=Exists(Follow.objects.filter(follower=OuterRef("pk"), followee=viewer)),
            blocked_by_me=Exists(Block.objects.filter(blocker=viewer, blocked=OuterRef("pk"))),
        )
    row = qs.values(*qs.query.annotations).first() or {}
    followers = row.get("followers") or 0
    followings = row.get("followings") or 0
    if viewer is None or not viewer.is_authenticated:
        return Relationship(follower_count=followers, following_count=followings)
    if viewer.pk == other.pk:
        return Relationship(is_self=True, follower_count=followers, following_count=followings)
    requests: list[ConnectionRequest] = []
    if row.get("has_request"):
        requests = list(
            ConnectionRequest.objects.filter(pending_q()).filter(
                Q(sender=viewer, recipient=other) | Q(sender=other, recipient=viewer)
            )
        )
    connection = (
        Connection.objects.filter(pk=row["connection_id"]).first()
        if row.get("connection_id")
        else None
    )
    return Relationship(
        connection=connection,
        incoming_request=next((r for r in requests if r.sender_id == other.pk), None),
        outgoing_request=next((r for r in requests if r.sender_id == viewer.pk), None),
        following=bool(row.get("following")),
        followed_by=bool(row.get("followed_by")),
        blocked_by_me=bool(row.get("blocked_by_me")),
        follower_count=followers,
        following_count=followings,
    )


# --- health ---------------------------------------------------------------------------------


def _contacts_for(user_id: int) -> tuple[list[Contact], list[tuple[int, int]]]:
    sides = list(
        Connection.objects.filter(owner_id=user_id).values_list(
            "other_id", "override_type", "proposed_type", "last_interaction_at", "created_at"
        )
    )
    alter_ids = [s[0] for s in sides]
    orgs: dict[int, set[int]] = defaultdict(set)
    for uid, org in Affiliation.objects.filter(user_id__in=alter_ids, is_current=True).values_list(
        "user_id", "organization_id"
    ):
        orgs[uid].add(org)
    profiles = {
        row[0]: row[1:]
        for row in Profile.objects.filter(user_id__in=alter_ids).values_list(
            "user_id", "id", "role", "city", "country"
        )
    }
    first_specialty: dict[int, int] = {}
    through = Profile.specialties.through
    profile_to_user = {v[0]: k for k, v in profiles.items()}
    for pid, sid in (
        through.objects.filter(profile_id__in=profile_to_user)
        .order_by("id")
        .values_list("profile_id", "specialty_id")
    ):
        first_specialty.setdefault(profile_to_user[pid], sid)
    contacts = []
    for other_id, override, proposed, last, created in sides:
        _pid, role, city, country = profiles.get(other_id, (None, None, "", ""))
        location = ", ".join(p for p in (city, country) if p) or None
        contacts.append(
            Contact(
                user_id=other_id,
                network_type=override or proposed,
                organizations=frozenset(orgs[other_id]),
                specialty=first_specialty.get(other_id),
                role=role,
                location=location,
                last_active=last or created,
            )
        )
    alter_ties = list(
        Connection.objects.filter(
            owner_id__in=alter_ids, other_id__in=alter_ids, owner_id__lt=F("other_id")
        ).values_list("owner_id", "other_id")
    )
    return contacts, alter_ties


def network_health_for(*, viewer: Any, dormant_days: int = 180) -> HealthReport:
    """The viewer's network health, cached until their network changes (version) or a day passes."""
    version = network_version(viewer.pk)
    key = f"network:health:{viewer.pk}:{version}:{dormant_days}"
    report = cache.get(key)
    if report is None:
        contacts, alter_ties = _contacts_for(viewer.pk)
        my_orgs = frozenset(
            Affiliation.objects.filter(user=viewer, is_current=True).values_list(
                "organization_id", flat=True
            )
        )
        report = health_report(
            ego=viewer.pk,
            ego_organizations=my_orgs,
            contacts=contacts,
            alter_ties=alter_ties,
            now=timezone.now(),
            dormant_days=dormant_days,
        )
        cache.set(key, report, HEALTH_CACHE_SECONDS)
    return report


# --- recommendations ------------------------------------------------------------------------


@dataclass
class Recommendation:
    user_id: int
    score: float
    mutual: int = 0
    reasons: list[str] = field(default_factory=list)
    profile: Profile | None = None


def _excluded_ids(user_id: int) -> set[int]:
    """Members never to recommend to ``user_id``: self, connected, pending, blocked, dismissed."""
    now = timezone.now()
    excluded = {user_id}
    excluded.update(Connection.objects.filter(owner_id=user_id).values_list("other_id", flat=True))
    for sender, recipient in (
        ConnectionRequest.objects.filter(pending_q(now))
        .filter(Q(sender_id=user_id) | Q(recipient_id=user_id))
        .values_list("sender_id", "recipient_id")
    ):
        excluded.update((sender, recipient))
    for blocker, blocked in Block.objects.filter(
        Q(blocker_id=user_id) | Q(blocked_id=user_id)
    ).values_list("blocker_id", "blocked_id"):
        excluded.update((blocker, blocked))
    excluded.update(
        RecommendationDismissal.objects.filter(user_id=user_id, until__gt=now).values_list(
            "candidate_id", flat=True
        )
    )
    return excluded


def _names(model_name: str, ids: set[int]) -> dict[int, str]:
    from rounds.profiles.models import Goal, Interest, Organization, Specialty

    model: Any = {
        "goal": Goal,
        "interest": Interest,
        "organization": Organization,
        "specialty": Specialty,
    }[model_name]
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _attach_profiles(recs: list[Recommendation]) -> list[Recommendation]:
    profiles = {
        p.user_id: p
        for p in profile_with_details(
            Profile.objects.filter(user_id__in=[r.user_id for r in recs], user__is_active=True)
        )
    }
    kept = []
    for rec in recs:
        rec.profile = profiles.get(rec.user_id)
        if rec.profile is not None:
            kept.append(rec)
    return kept


def people_you_may_know_ids(user_id: int, *, limit: int = 30) -> list[Recommendation]:
    """2-hop candidates scored by Adamic-Adar over mutual connections, plus shared
    organizations, specialties, goals and interests. Uncached; see ``people_you_may_know``."""
    contacts = list(
        Connection.objects.filter(owner_id=user_id)
        .order_by("-last_interaction_at", "-id")
        .values_list("other_id", flat=True)[:MAX_EXPANDED_CONTACTS]
    )
    if not contacts:
        return []
    ranked = (
        Connection.objects.filter(owner_id__in=contacts)
        .annotate(rank=Window(RowNumber(), partition_by=[F("owner_id")], order_by=[F("id").desc()]))
        .filter(rank__lte=PER_CONTACT_EXPANSION)
        .values_list("owner_id", "other_id")
    )
    degrees = dict(
        NetworkState.objects.filter(user_id__in=contacts).values_list("user_id", "degree")
    )
    excluded = _excluded_ids(user_id)
    adamic, mutual = adamic_adar_scores(ranked, degrees=degrees, excluded=excluded)
    shortlist = top_candidates(adamic, limit * SHORTLIST_FACTOR)
    traits = member_traits([user_id, *shortlist])
    me = traits[user_id]
    recs = []
    for candidate in shortlist:
        t = traits[candidate]
        shared_orgs = me.organizations & t.organizations
        shared_specialties = me.specialties & t.specialties
        shared_goals = me.goals & t.goals
        shared_interests = me.interests & t.interests
        score = final_score(
            adamic[candidate],
            shares_organization=bool(shared_orgs),
            shared_specialties=len(shared_specialties),
            shared_goals_interests=len(shared_goals) + len(shared_interests),
        )
        recs.append(
            (candidate, score, shared_orgs, shared_specialties, shared_goals, shared_interests)
        )
    recs.sort(key=lambda r: (-r[1], r[0]))
    recs = recs[:limit]
    org_names = _names("organization", set().union(*[r[2] for r in recs]) if recs else set())
    spec_names = _names("specialty", set().union(*[r[3] for r in recs]) if recs else set())
    goal_names = _names("goal", set().union(*[r[4] for r in recs]) if recs else set())
    out = []
    for candidate, score, orgs, specs, goals, _interests in recs:
        reasons = [f"{mutual[candidate]} mutual connection{'s' if mutual[candidate] != 1 else ''}"]
        if orgs:
            reasons.append(f"also at {org_names[min(orgs)]}")
        if specs:
            reasons.append(f"shares specialty {spec_names[min(specs)]}")
        if goals:
            reasons.append(f"shares goal {goal_names[min(goals)]}")
        out.append(
            Recommendation(
                user_id=candidate, score=round(score, 4), mutual=mutual[candidate], reasons=reasons
            )
        )
    return out


STRATEGIC_POOL_PER_TAG = 300


def strategic_recommendation_ids(user_id: int, *, limit: int = 30) -> list[Recommendation]:
    """Members outside the user's organizations who share goals or interests, ranked by that
    overlap and by how much they would bridge: a new organization, a new specialty, and few
    mutual connections (a non-redundant tie lowers Burt's constraint; triangle closing does not)."""
    traits = member_traits([user_id])[user_id]
    if not (traits.goals or traits.interests):
        return []
    excluded = _excluded_ids(user_id)
    through_goal = Profile.goals.through
    through_interest = Profile.interests.through
    pool: set[int] = set()
    for goal in traits.goals:
        pool.update(
            through_goal.objects.filter(goal_id=goal)
            .order_by("-id")
            .values_list("profile__user_id", flat=True)[:STRATEGIC_POOL_PER_TAG]
        )
    for interest in traits.interests:
        pool.update(
            through_interest.objects.filter(interest_id=interest)
            .order_by("-id")
            .values_list("profile__user_id", flat=True)[:STRATEGIC_POOL_PER_TAG]
        )
    pool -= excluded
    if not pool:
        return []
    candidate_traits = member_traits(pool)
    my_contacts = list(
        Connection.objects.filter(owner_id=user_id).values_list("other_id", flat=True)
    )
    contact_traits = member_traits(my_contacts) if my_contacts else {}
    known_orgs = (
        set(traits.organizations).union(*[t.organizations for t in contact_traits.values()])
        if contact_traits
        else set(traits.organizations)
    )
    known_specialties = (
        set(traits.specialties).union(*[t.specialties for t in contact_traits.values()])
        if contact_traits
        else set(traits.specialties)
    )
    mutual_counts: dict[int, int] = defaultdict(int)
    if my_contacts:
        for candidate in Connection.objects.filter(
            owner_id__in=pool, other_id__in=my_contacts
        ).values_list("owner_id", flat=True):
            mutual_counts[candidate] += 1
    scored = []
    for candidate, t in candidate_traits.items():
        if t.organizations & traits.organizations:
            continue  # inside the member's organizations: operational, not strategic
        shared_goals = traits.goals & t.goals
        shared_interests = traits.interests & t.interests
        if not (shared_goals or shared_interests):
            continue
        new_org = bool(t.organizations) and not (t.organizations & known_orgs)
        new_specialty = bool(t.specialties) and not (t.specialties & known_specialties)
        mutual = mutual_counts[candidate]
        bridging = 1.0 * new_org + 0.5 * new_specialty + 1.0 / (1 + mutual)
        score = 1.0 * len(shared_goals) + 0.7 * len(shared_interests) + bridging
        scored.append(
            (candidate, score, shared_goals, shared_interests, new_org, new_specialty, mutual)
        )
    scored.sort(key=lambda r: (-r[1], r[0]))
    scored = scored[:limit]
    goal_names = _names("goal", set().union(*[r[2] for r in scored]) if scored else set())
    interest_names = _names("interest", set().union(*[r[3] for r in scored]) if scored else set())
    out = []
    for candidate, score, goals, interests, new_org, new_specialty, mutual in scored:
        reasons = []
        if goals:
            reasons.append(f"shares goal {goal_names[min(goals)]}")
        if interests:
            reasons.append(f"shares interest {interest_names[min(interests)]}")
        reasons.append("outside your organization")
        if new_org:
            reasons.append("bridges to an organization new to your network")
        if new_specialty:
            reasons.append("a specialty new to your network")
        if mutual == 0:
            reasons.append("no mutual connections: a new circle")
        out.append(
            Recommendation(user_id=candidate, score=round(score, 4), mutual=mutual, reasons=reasons)
        )
    return out


def _cached(kind: str, viewer: Any, compute: Any, limit: int) -> list[Recommendation]:
    version = network_version(viewer.pk)
    profile_stamp = Profile.objects.filter(user=viewer).values_list("updated_at", flat=True).first()
    key = f"network:{kind}:{viewer.pk}:{version}:{profile_stamp.timestamp() if profile_stamp else 0}:{limit}"
    ids = cache.get(key)
    if ids is None:
        ids = compute(viewer.pk, limit=limit)
        cache.set(key, ids, RECOMMENDATION_CACHE_SECONDS)
    return _attach_profiles(
        [Recommendation(r.user_id, r.score, r.mutual, list(r.reasons)) for r in ids]
    )


def people_you_may_know(*, viewer: Any, limit: int = 30) -> list[Recommendation]:
    """People-you-may-know for the viewer (cached per network version and profile change)."""
    return _cached("pymk", viewer, people_you_may_know_ids, limit)


def strategic_recommendations(*, viewer: Any, limit: int = 30) -> list[Recommendation]:
    """Grow-your-strategic-network recommendations for the viewer (cached like PYMK)."""
    return _cached("strategic", viewer, strategic_recommendation_ids, limit)
