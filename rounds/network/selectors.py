"""Reads for the network: connection lists, requests, follows, relationships, health and
recommendations. Everything here is about the viewer's own network: callers pass ``viewer``
and never read another member's labels, types, health or recommendations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import connection as db_connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rounds.core.cache import LocalCopies
from rounds.core.compiled import (
    SENTINEL_ID,
    CompiledQuery,
    CompiledShapes,
    RawQuery,
)
from rounds.core.navigation import prefetched_rows
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


#: What the connections API shows of one side, in order (``schemas.connection_row_out``).
CONNECTION_ROW_FIELDS = (
    "label",
    "proposed_type",
    "override_type",
    "last_interaction_at",
    "created_at",
    "other__profile__handle",
    "other__profile__display_name",
    "other__profile__headline",
    "other__profile__role",
    "other__profile__avatar",
)


def _connection_rows(shape: tuple[int, int], *, viewer_id: int) -> QuerySet[Connection]:
    offset, limit = shape
    return (
        Connection.objects.filter(owner_id=viewer_id)
        .order_by("-created_at", "-id")
        .values_list(*CONNECTION_ROW_FIELDS)[offset : offset + limit]
    )


#: The unfiltered list (what the API and most pages ask for), compiled once per page shape.
CONNECTION_ROWS = CompiledShapes(_connection_rows, sentinels={"viewer_id": SENTINEL_ID})


def connection_rows_page(
    *, viewer: Any, page: int, size: int
) -> tuple[list[tuple[Any, ...]], bool]:
    """One page of the viewer's connections, newest first, as ``CONNECTION_ROW_FIELDS`` tuples
    (no filters; ``connection_list_for`` has them), and whether there is a next page."""
    from django.db import router

    from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE

    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    rows = CONNECTION_ROWS.rows(
        ((page - 1) * size, size + 1), viewer_id=viewer.pk, using=router.db_for_read(Connection)
    )
    return rows[:size], len(rows) > size


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


@dataclass(frozen=True)
class ConnectionRow:
    """What a row of the connections list shows and is cached under (no model instances:
    the list reads these 21 rows as plain values, and builds objects only for rows whose
    HTML is not cached)."""

    pk: int
    owner_id: int
    other_id: int
    label: str
    proposed_type: str
    override_type: str
    created_at: datetime
    last_interaction_at: datetime | None
    profile_id: int
    profile_updated_at: datetime


def connection_rows_for(
    *, viewer: Any, network_type: str = "", q: str = "", label: str = ""
) -> QuerySet[Any]:
    """``connection_list_for`` as value tuples in ``ConnectionRow`` order (same filters and
    order); wrap each in ``ConnectionRow(*row)``. Contacts without a profile are left out."""
    return (
        connection_list_for(viewer=viewer, network_type=network_type, q=q, label=label)
        .select_related(None)
        .filter(other__profile__isnull=False)
        .values_list(
            "pk",
            "owner_id",
            "other_id",
            "label",
            "proposed_type",
            "override_type",
            "created_at",
            "last_interaction_at",
            "other__profile__id",
            "other__profile__updated_at",
        )
    )


def _connection_counts(*, viewer_id: int) -> QuerySet[Any]:
    return (
        Connection.objects.filter(owner_id=viewer_id)
        .order_by()
        .values_list("override_type", "proposed_type")
        .annotate(n=Count("*"))  # not Count("pk"): the types index alone answers
    )


#: Compiled once per process: the connections page and the counts API ask on every request.
CONNECTION_COUNTS = CompiledQuery(_connection_counts, sentinels={"viewer_id": SENTINEL_ID})


def connection_counts_for(*, viewer: Any) -> dict[str, int]:
    """How many of the viewer's connections are in each network (one grouped query: a hub's
    thousands of ties are counted by the database, not loaded)."""
    from django.db import router

    counts = {t: 0 for t in NetworkType.values}
    grouped = prefetched_rows(CONNECTION_COUNTS, viewer_id=viewer.pk)
    if grouped is None:  # not read with the account (``connection_counts_prefetch``)
        grouped = CONNECTION_COUNTS.rows(viewer_id=viewer.pk, using=router.db_for_read(Connection))
    for override, proposed, n in grouped:
        counts[override or proposed] += n
    return counts


def connection_counts_prefetch(request: Any, viewer_id: int, kwargs: Any) -> Any:
    """``connection_counts_for``'s query, read with the viewer's account (``core.navigation``;
    a view's ``navigation_prefetch``)."""
    return CONNECTION_COUNTS, {"viewer_id": viewer_id}


def _connection_list_rows(shape: tuple[int, int], *, viewer_id: int) -> QuerySet[Any]:
    offset, limit = shape
    # ``owner=`` takes the id as well as the account.
    return connection_rows_for(viewer=viewer_id)[offset : offset + limit]


#: The connections page's unfiltered list (``connection_rows_for`` with no filter), compiled
#: once per page shape.
CONNECTION_LIST_ROWS = CompiledShapes(_connection_list_rows, sentinels={"viewer_id": SENTINEL_ID})


def connection_rows_plain_page(
    *, viewer: Any, page: int, size: int
) -> tuple[list[ConnectionRow], bool]:
    """One page of ``connection_rows_for(viewer=viewer)`` (no filters) as ``ConnectionRow``s,
    and whether there is a next page."""
    from django.db import router

    from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE

    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    rows = CONNECTION_LIST_ROWS.rows(
        ((page - 1) * size, size + 1), viewer_id=viewer.pk, using=router.db_for_read(Connection)
    )
    return [ConnectionRow(*row) for row in rows[:size]], len(rows) > size


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

    def stamp(self) -> tuple[Any, ...]:
        """Everything the relationship panel shows, for cache keys: the flags and counts, the
        connection and the pending requests by id and ``updated_at``, and — while a request is
        pending — the minute, for its "asked … ago"."""

        def row(obj: Any) -> tuple[Any, ...] | None:
            return (obj.pk, obj.updated_at.timestamp()) if obj is not None else None

        pending = self.incoming_request is not None or self.outgoing_request is not None
        return (
            self.is_self,
            row(self.connection),
            row(self.incoming_request),
            row(self.outgoing_request),
            self.following,
            self.followed_by,
            self.blocked_by_me,
            self.follower_count,
            self.following_count,
            int(timezone.now().timestamp() // 60) if pending else None,
        )


def _relationship_row(viewer_id: int | None, other_id: int) -> dict[str, Any]:
    """One query: ``other``'s follower counts and, for a signed-in viewer, the connection id,
    a pending request either way, follows both ways and the viewer's block.

    Raw SQL: the profile page asks this on every view, and the ORM spent ~2 ms building and
    compiling the five subqueries (the database: 0.1 ms)."""
    q = db_connection.ops.quote_name
    state = q(NetworkState._meta.db_table)
    if viewer_id is None:
        sql = (
            f"SELECT s.follower_count, s.following_count FROM (SELECT 1 AS one) AS x "  # noqa: S608
            f"LEFT JOIN {state} s ON s.user_id = %s"
        )
        params: list[Any] = [other_id]
        names = ["followers", "followings"]
    else:
        conn, req = q(Connection._meta.db_table), q(ConnectionRequest._meta.db_table)
        follow, block = q(Follow._meta.db_table), q(Block._meta.db_table)
        sql = (
            f"SELECT s.follower_count, s.following_count, "  # noqa: S608
            f"(SELECT c.id FROM {conn} c WHERE c.owner_id = %s AND c.other_id = %s), "
            f"EXISTS (SELECT 1 FROM {req} r WHERE r.state = %s AND r.expires_at > %s "
            f"AND ((r.sender_id = %s AND r.recipient_id = %s) "
            f"OR (r.sender_id = %s AND r.recipient_id = %s))), "
            f"EXISTS (SELECT 1 FROM {follow} f WHERE f.follower_id = %s AND f.followee_id = %s), "
            f"EXISTS (SELECT 1 FROM {follow} f WHERE f.follower_id = %s AND f.followee_id = %s), "
            f"EXISTS (SELECT 1 FROM {block} b WHERE b.blocker_id = %s AND b.blocked_id = %s) "
            f"FROM (SELECT 1 AS one) AS x LEFT JOIN {state} s ON s.user_id = %s"
        )
        v, o = viewer_id, other_id
        pending = ConnectionRequest.State.PENDING
        params = [v, o, pending, timezone.now(), v, o, o, v, v, o, o, v, v, o, o]
        names = list(RELATIONSHIP_COLUMNS)
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = cursor.fetchone()
    return dict(zip(names, values, strict=True)) if values else {}


#: The columns of ``_relationship_row`` for a signed-in viewer, in order.
RELATIONSHIP_COLUMNS = (
    "followers",
    "followings",
    "connection_id",
    "has_request",
    "following",
    "followed_by",
    "blocked_by_me",
)


def relationship_annotations(*, viewer_id: Any, now: Any) -> dict[str, Any]:
    """``_relationship_row``'s columns as annotations of a ``Profile`` query (the other member
    is the profile's account), named as in ``RELATIONSHIP_COLUMNS``: the profile page reads
    the profile and the relationship in one query."""
    from django.db.models import Exists, OuterRef, Subquery

    other = OuterRef("user_id")

    def state(column: str) -> Subquery:
        return Subquery(NetworkState.objects.filter(user_id=other).values(column)[:1])

    pending = ConnectionRequest.objects.filter(pending_q(now)).filter(
        Q(sender_id=viewer_id, recipient_id=other) | Q(sender_id=other, recipient_id=viewer_id)
    )
    connection = Connection.objects.filter(owner_id=viewer_id, other_id=other).values("id")[:1]
    return {
        "followers": state("follower_count"),
        "followings": state("following_count"),
        "connection_id": Subquery(connection),
        "has_request": Exists(pending),
        "following": Exists(Follow.objects.filter(follower_id=viewer_id, followee_id=other)),
        "followed_by": Exists(Follow.objects.filter(follower_id=other, followee_id=viewer_id)),
        "blocked_by_me": Exists(Block.objects.filter(blocker_id=viewer_id, blocked_id=other)),
    }


def relationship_between(
    *, viewer: Any, other: Any, row: dict[str, Any] | None = None
) -> Relationship:
    """The viewer's relationship to ``other``: one query (counts, connection, pending requests
    both ways, follows both ways, the viewer's block), plus one more for each of the connection
    and the pending requests only when there is one. ``row`` is that first query's answer
    when the caller read it already (``relationship_annotations``)."""
    members = viewer is not None and viewer.is_authenticated and viewer.pk != other.pk
    if row is None:
        row = _relationship_row(viewer.pk if members else None, other.pk)
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
    # The ties among the contacts, as subqueries rather than two lists of 500 ids: PostgreSQL
    # then reads each contact's ties from the (owner, other) index alone (60 ms for 500
    # contacts whose degrees sum to 114,000) instead of AND-ing two bitmaps over the heap (1.2 s).
    mine = Connection.objects.filter(owner_id=user_id).values("other_id")
    alter_ties = list(
        Connection.objects.filter(owner_id__in=mine, other_id__in=mine, owner_id__lt=F("other_id"))
        .order_by()
        .values_list("owner_id", "other_id")
    )
    return contacts, alter_ties


@dataclass(frozen=True)
class NetworkStamp:
    """What a member's health and recommendations are computed from: the version of their
    network (``NetworkState.version``, bumped by every change to their own ties, requests
    answered, blocks, dismissals and logged interactions) and their profile's ``updated_at``
    (goals, interests, specialties and positions: every service that changes them touches it).
    A cached result is served only while both are unchanged, so it is never stale after the
    member changes anything it depends on."""

    version: int
    profile: float


@dataclass(frozen=True)
class CardStamp:
    """A recommended member as the pages show them: their profile and its ``updated_at`` (the
    key of its cached card)."""

    profile_id: int
    updated_at: datetime


def _as_datetime(value: Any) -> datetime:
    """A timestamp column read by raw SQL (SQLite returns text) as an aware datetime."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _stamps_sql(*, aggregated: bool, members: str) -> str:
    """The stamps statement: per member (the viewer and the candidates) its profile, account
    state, network version and whether a request is pending with the viewer; on PostgreSQL
    as one row of arrays (``aggregated``), so it can be read with the session and account."""
    q = db_connection.ops.quote_name
    profile, user = (
        q(Profile._meta.db_table),
        q(Profile._meta.get_field("user").related_model._meta.db_table),
    )
    state, request = q(NetworkState._meta.db_table), q(ConnectionRequest._meta.db_table)
    columns = [
        "p.user_id",
        "p.id",
        "p.updated_at",
        "u.is_active",
        "u.deletion_scheduled",
        "s.version",
        f"(p.user_id IN (SELECT recipient_id FROM {request} WHERE sender_id = %s "  # noqa: S608
        f"AND state = %s AND expires_at > %s) OR p.user_id IN (SELECT sender_id FROM {request} "
        f"WHERE recipient_id = %s AND state = %s AND expires_at > %s))",
    ]
    if aggregated:
        columns = [f"array_agg({column} ORDER BY p.user_id)" for column in columns]
    return (
        f"SELECT {', '.join(columns)} FROM {profile} p JOIN {user} u ON u.id = p.user_id "  # noqa: S608
        f"LEFT JOIN {state} s ON s.user_id = p.user_id WHERE p.user_id {members}"
    )


def _stamps_params(values: dict[str, Any]) -> list[Any]:
    viewer_id, now = values["viewer_id"], values["now"]
    pending = str(ConnectionRequest.State.PENDING)
    return [viewer_id, pending, now, viewer_id, pending, now, values["ids"]]


class _StampsQuery:
    """``_stamps``' statement on PostgreSQL: one row of arrays, the ids as one array (constant
    text, so prepared), readable with the session (``core.compiled.rows_joined``)."""

    def __init__(self) -> None:
        self._query: RawQuery | None = None

    def _raw(self) -> RawQuery:
        if self._query is None:
            sql = _stamps_sql(aggregated=True, members="= ANY(%s)")
            self._query = RawQuery(sql, width=7, params=_stamps_params)
        return self._query

    def _statement(self, using: str, values: dict[str, Any]) -> Any:
        return self._raw()._statement(using, values)

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        return self._raw().rows(**values)


STAMPS_QUERY = _StampsQuery()


def _stamp_rows_sqlite(viewer_id: int, ids: list[int]) -> list[tuple[Any, ...]]:
    members = "IN ({})".format(", ".join(["%s"] * (len(ids) + 1)))
    params = _stamps_params({"viewer_id": viewer_id, "now": timezone.now(), "ids": None})[:-1]
    with db_connection.cursor() as cursor:
        cursor.execute(_stamps_sql(aggregated=False, members=members), [*params, viewer_id, *ids])
        return list(cursor.fetchall())


def network_snapshot_prefetch(kinds: tuple[str, ...]) -> Callable[..., Any]:
    """A view's ``navigation_prefetch`` (``core.navigation``) reading ``_stamps`` with the
    session and account, for pages whose recommendation lists (``kinds``) this process keeps
    (PostgreSQL only; otherwise the page reads the stamps itself)."""

    def plan(request: Any, viewer_id: int, kwargs: Any) -> Any:
        if db_connection.vendor != "postgresql":
            return None
        ids: set[int] = set()
        for kind in kinds:
            entry = _LOCAL_LISTS.get(cache.make_key(_recommendation_key(kind, viewer_id)))
            if entry is None:
                return None
            ids.update(rec.user_id for rec in entry[1])
        ordered = sorted(ids - {viewer_id})
        return STAMPS_QUERY, {
            "viewer_id": viewer_id,
            "ids": [viewer_id, *ordered],
            "now": timezone.now(),
        }

    return plan


def _stamps(
    viewer_id: int, candidate_ids: Iterable[int] = ()
) -> tuple[NetworkStamp, dict[int, CardStamp]]:
    """One query: the viewer's ``NetworkStamp``, and the card stamp of each candidate who may
    still be recommended right now (active, not leaving, no pending request either way).

    Raw SQL: this runs on every network page and the ORM spent 3 ms building and compiling
    it (the database 0.3 ms). The pending requests are two small subqueries evaluated once.
    """
    ids = sorted({int(i) for i in candidate_ids} - {viewer_id})
    if db_connection.vendor == "postgresql":
        values = {"viewer_id": viewer_id, "ids": [viewer_id, *ids], "now": timezone.now()}
        found = prefetched_rows(STAMPS_QUERY, **values)  # read with the account
        columns = (found or STAMPS_QUERY.rows(**values))[0]
        rows = list(zip(*columns, strict=True)) if columns[0] else []
    else:
        rows = _stamp_rows_sqlite(viewer_id, ids)
    stamp: NetworkStamp | None = None
    cards: dict[int, CardStamp] = {}
    for user_id, profile_id, updated_at, active, leaving, version, is_pending in rows:
        if user_id == viewer_id:
            stamp = NetworkStamp(int(version or 0), _as_datetime(updated_at).timestamp())
        elif active and not leaving and not is_pending:
            cards[user_id] = CardStamp(profile_id, _as_datetime(updated_at))
    if stamp is None:  # an account without a profile (not yet created)
        stamp = NetworkStamp(network_version(viewer_id), 0.0)
    return stamp, cards


def network_stamp(user_id: int) -> NetworkStamp:
    """The member's ``NetworkStamp`` (version and profile stamp in one query)."""
    return _stamps(user_id)[0]


def network_health_for(
    *, viewer: Any, dormant_days: int = 180, stamp: NetworkStamp | None = None
) -> HealthReport:
    """The viewer's network health, cached (shared by every process when the cache is Redis)
    until their network or profile changes (``stamp``) or a day passes. Pass ``stamp`` when
    the caller already read it."""
    stamp = stamp or network_stamp(viewer.pk)
    key = f"network:health:{viewer.pk}:{dormant_days}"
    entry = cache.get(key)
    if entry is not None and entry[0] == stamp:
        return entry[1]  # type: ignore[no-any-return]
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
    cache.set(key, (stamp, report), HEALTH_CACHE_SECONDS)
    return report


# --- recommendations ------------------------------------------------------------------------


@dataclass
class Recommendation:
    user_id: int
    score: float
    mutual: int = 0
    reasons: list[str] = field(default_factory=list)
    profile: Profile | None = None
    #: The recommended member's card stamp (set when read through ``recommendations_for``).
    card: CardStamp | None = None


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
            Profile.objects.filter(
                user_id__in=[r.user_id for r in recs],
                user__is_active=True,
                user__deletion_scheduled=False,
            )
        )
    }
    kept = []
    for rec in recs:
        rec.profile = profiles.get(rec.user_id)
        if rec.profile is not None:
            kept.append(rec)
    return kept


def _recent_ties(owner_ids: list[int], per_owner: int) -> Iterable[tuple[int, int]]:
    """(owner, other) for the ``per_owner`` most recent ties of each of ``owner_ids``.

    On PostgreSQL a LATERAL join reads exactly those from ``connection_owner_recent_idx``
    (index only): 18 ms for 500 contacts at tier M, where ranking every tie of every contact
    with a window function read 114,000 rows through the heap (1.9 s). Elsewhere (SQLite,
    small communities) the window function.
    """
    if db_connection.vendor == "postgresql":
        table = db_connection.ops.quote_name(Connection._meta.db_table)
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.owner_id, t.other_id FROM unnest(%s::bigint[]) AS c(owner_id) "  # noqa: S608
                f"CROSS JOIN LATERAL (SELECT n.other_id FROM {table} n "
                "WHERE n.owner_id = c.owner_id ORDER BY n.created_at DESC, n.id DESC LIMIT %s) t",
                [list(owner_ids), per_owner],
            )
            return cursor.fetchall()
    return (
        Connection.objects.filter(owner_id__in=owner_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("owner_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=per_owner)
        .order_by()
        .values_list("owner_id", "other_id")
    )


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
    ranked = _recent_ties(contacts, PER_CONTACT_EXPANSION)
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


def _mutual_counts(candidates: list[int], user_id: int) -> dict[int, int]:
    """How many of ``user_id``'s contacts each of ``candidates`` is connected to."""
    mine = Connection.objects.filter(owner_id=user_id).values("other_id")
    return dict(
        Connection.objects.filter(owner_id__in=candidates, other_id__in=mine)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )


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
    # Score every candidate as if they had no mutual connections (the bridging term is then
    # at its largest), then count real mutuals only for the best ones, batch by batch, until no
    # unchecked candidate's optimistic score can reach the list: the same list as counting every
    # candidate's mutuals (a query over all their ties, 0.7 s at tier M), for a fraction.
    optimistic = []
    for candidate, t in candidate_traits.items():
        if t.organizations & traits.organizations:
            continue  # inside the member's organizations: operational, not strategic
        shared_goals = traits.goals & t.goals
        shared_interests = traits.interests & t.interests
        if not (shared_goals or shared_interests):
            continue
        new_org = bool(t.organizations) and not (t.organizations & known_orgs)
        new_specialty = bool(t.specialties) and not (t.specialties & known_specialties)
        base = 1.0 * len(shared_goals) + 0.7 * len(shared_interests)
        base += 1.0 * new_org + 0.5 * new_specialty
        optimistic.append(
            (base + 1.0, candidate, base, shared_goals, shared_interests, new_org, new_specialty)
        )
    optimistic.sort(key=lambda r: (-r[0], r[1]))
    scored = []
    batch = max(limit * SHORTLIST_FACTOR, 1)
    for start in range(0, len(optimistic), batch):
        chunk = optimistic[start : start + batch]
        mutual_counts = _mutual_counts([r[1] for r in chunk], user_id) if my_contacts else {}
        for _, candidate, base, goals, interests, new_org, new_specialty in chunk:
            mutual = mutual_counts.get(candidate, 0)
            score = base + 1.0 / (1 + mutual)
            scored.append((candidate, score, goals, interests, new_org, new_specialty, mutual))
        scored.sort(key=lambda r: (-r[1], r[0]))
        following = optimistic[start + batch] if start + batch < len(optimistic) else None
        if following is None or (len(scored) >= limit and scored[limit - 1][1] > following[0]):
            break
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


#: Each recommender computes this many once per stamp; pages and the API show a prefix.
RECOMMENDATION_LIMIT = 30
RECOMMENDERS = {
    "pymk": people_you_may_know_ids,
    "strategic": strategic_recommendation_ids,
}


@dataclass(frozen=True)
class NetworkSnapshot:
    """The viewer's stamp and recommendations as of now: each list computed for the current
    stamp and holding only members who may be recommended right now, with their card stamps."""

    stamp: NetworkStamp
    recommendations: dict[str, list[Recommendation]]


def _recommendation_key(kind: str, user_id: int) -> str:
    return f"network:recs:{kind}:{user_id}"


def network_snapshot(*, viewer: Any, kinds: Iterable[str] = ()) -> NetworkSnapshot:
    """The viewer's ``NetworkStamp`` and the recommendations of ``kinds``, in one query when
    they are cached (the usual case).

    Each list is cached (in the shared cache: Redis in production) with the stamp it was
    computed for, and recomputed when the stamp moved: after any change to the viewer's ties,
    answered requests, blocks or dismissals (the version) or to their goals, interests,
    specialties or positions (the profile). The same query that reads the stamp checks every
    cached candidate: members who left, were deactivated or now have a pending request with the
    viewer (a request does not move the version) are dropped at once.
    """
    kinds = [k for k in kinds if k in RECOMMENDERS]
    keys = {kind: _recommendation_key(kind, viewer.pk) for kind in kinds}
    # This process's own copies first: checked against the stamp like the shared ones, so a
    # copy older than the member's last change is never used (the shared cache is asked then).
    local = {key: _LOCAL_LISTS.get(cache.make_key(key)) for key in keys.values()}
    if keys and all(entry is not None for entry in local.values()):
        stamp, cards = _stamps(viewer.pk, {r.user_id for e in local.values() for r in e[1]})
        if all(entry[0] == stamp for entry in local.values()):
            return _snapshot(stamp, cards, {kind: local[key][1] for kind, key in keys.items()})
    found: dict[str, Any] = cache.get_many(list(keys.values())) if keys else {}
    cached_ids = {rec.user_id for entry in found.values() for rec in entry[1]}
    stamp, cards = _stamps(viewer.pk, cached_ids)
    lists: dict[str, list[Recommendation]] = {}
    new_ids: set[int] = set()
    for kind in kinds:
        entry = found.get(keys[kind])
        if entry is not None and entry[0] == stamp:
            lists[kind] = entry[1]
        else:
            computed = RECOMMENDERS[kind](viewer.pk, limit=RECOMMENDATION_LIMIT)
            cache.set(keys[kind], (stamp, computed), RECOMMENDATION_CACHE_SECONDS)
            lists[kind] = computed
            new_ids.update(rec.user_id for rec in computed if rec.user_id not in cards)
        _LOCAL_LISTS.put(cache.make_key(keys[kind]), (stamp, lists[kind]))
    if new_ids:
        cards.update(_stamps(viewer.pk, new_ids)[1])
    return _snapshot(stamp, cards, lists)


#: This process's copies of recommendation lists, ``(stamp, list)`` by cache key (at most
#: 5,000 lists, a minute each): a warm network page skips the shared cache's round trip.
_LOCAL_LISTS = LocalCopies(max_chars=5_000, measure=lambda value: 1)


def _snapshot(
    stamp: NetworkStamp, cards: dict[int, CardStamp], lists: dict[str, list[Recommendation]]
) -> NetworkSnapshot:
    """The snapshot of ``lists`` with each member's card stamp; members without one (who may
    no longer be recommended) are left out."""
    return NetworkSnapshot(
        stamp=stamp,
        recommendations={
            kind: [
                replace(rec, reasons=list(rec.reasons), card=cards[rec.user_id])
                for rec in recs
                if rec.user_id in cards
            ]
            for kind, recs in lists.items()
        },
    )


def with_profiles(recs: list[Recommendation]) -> list[Recommendation]:
    """``recs`` (from ``network_snapshot``, so their members may be shown) with their profiles
    attached, ready for a card (specialties and current positions prefetched): three queries."""
    from rounds.profiles.selectors import member_cards_by_id

    profiles = member_cards_by_id([rec.card.profile_id for rec in recs if rec.card])
    shown = []
    for rec in recs:
        profile = profiles.get(rec.card.profile_id) if rec.card else None
        if profile is not None:
            shown.append(replace(rec, profile=profile))
    return shown


def people_you_may_know(*, viewer: Any, limit: int = RECOMMENDATION_LIMIT) -> list[Recommendation]:
    """People-you-may-know for the viewer, with profiles (cached per stamp, see
    ``network_snapshot``)."""
    recs = network_snapshot(viewer=viewer, kinds=["pymk"]).recommendations["pymk"]
    return _attach_profiles(recs[:limit])


def strategic_recommendations(
    *, viewer: Any, limit: int = RECOMMENDATION_LIMIT
) -> list[Recommendation]:
    """Grow-your-strategic-network recommendations for the viewer (cached like PYMK)."""
    recs = network_snapshot(viewer=viewer, kinds=["strategic"]).recommendations["strategic"]
    return _attach_profiles(recs[:limit])
