"""The discovery list as plain value rows, compiled once per process (bench, session 5).

``selectors.discover`` builds a queryset with the visibility rule, the filters, three joins
for the organizer's profile, the group and the organization, and two per-viewer
subqueries; building and compiling it cost ~5 ms of Python per request, for SQL that
answers in ~1 ms, and the 20 model instances (with their related objects) another ~2 ms.
Here the same query is built once per *shape* (which filters apply, page offset and size,
member or visitor) by ``rounds.core.compiled.CompiledShapes`` and read as tuples into
``EventRow``.

Two differences from the ORM queryset, both of form only (``tests/test_rows.py`` compares
the two on every shape the list uses, on SQLite and PostgreSQL):

- the block rule is ``organizer_id NOT IN`` two subqueries of the block table by the
  viewer's id instead of ``NOT IN (<the viewer's blocked ids>)``: an id list has a length,
  which would make every member's query a new shape;
- a specialty or topic filter binds the tag's id (looked up as ``_has_tag`` does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from rounds.core.cache import LocalCopies
from rounds.core.compiled import SENTINEL_ID, SENTINEL_TEXT, SENTINEL_TIME, CompiledShapes
from rounds.core.pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, Page
from rounds.moderation.registry import ModerationState

from .models import Event, EventOrganizer, EventSkill, Kind, Registration, State

_KIND_LABELS = dict(Kind.choices)


@dataclass(frozen=True, slots=True)
class Named:
    """A group or an organization as a card shows it."""

    slug: str
    name: str


@dataclass(slots=True)
class EventRow:
    """What a discovery card and the list API show of an event (no model instances).

    Attribute names are the model's, so the card templates and ``views._card_key`` read a
    row as they read an ``Event``."""

    pk: int
    updated_at: datetime
    title: str
    kind: str
    state: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    is_online: bool
    venue: str
    address: str
    city: str
    country: str
    join_url: str
    organizer_id: int | None
    organizer_handle: str | None
    organizer_display_name: str | None
    group_id: int | None
    group_slug: str | None
    group_name: str | None
    organization_id: int | None
    organization_slug: str | None
    organization_name: str | None
    capacity: int | None
    going_count: int
    waitlist_count: int
    registration_deadline: datetime | None
    cme_credits: Any
    cancel_reason: str
    viewer_state: str | None = None
    viewer_co_organizer: bool = False
    #: The cached card body and the whole list item (``views.with_card_html``/``_items``).
    card_body: str = ""
    card_item: str = ""

    @property
    def id(self) -> int:
        return self.pk

    @property
    def group(self) -> Named | None:
        if self.group_id is None or self.group_slug is None:
            return None
        return Named(self.group_slug, self.group_name or "")

    @property
    def organization(self) -> Named | None:
        if self.organization_id is None or self.organization_slug is None:
            return None
        return Named(self.organization_slug, self.organization_name or "")

    def get_kind_display(self) -> str:
        return str(_KIND_LABELS.get(self.kind, self.kind))

    #: The model's own rule (state, then end and start against ``now``).
    phase_at = Event.phase_at

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity


#: The columns of ``EventRow`` in order (the two viewer columns follow for members).
ROW_FIELDS = (
    "pk",
    "updated_at",
    "title",
    "kind",
    "state",
    "starts_at",
    "ends_at",
    "time_zone",
    "is_online",
    "venue",
    "address",
    "city",
    "country",
    "join_url",
    "organizer_id",
    "organizer__profile__handle",
    "organizer__profile__display_name",
    "group_id",
    "group__slug",
    "group__name",
    "organization_id",
    "organization__slug",
    "organization__name",
    "capacity",
    "going_count",
    "waitlist_count",
    "registration_deadline",
    "cme_credits",
    "cancel_reason",
)
VIEWER_FIELDS = ("viewer_state", "viewer_co_organizer")

#: The values a shape may bind, each with its own stand-in (distinct: ``CompiledQuery`` finds
#: a value's places in the parameters by equality).
_SENTINELS: dict[str, Any] = {
    "viewer_id": SENTINEL_ID,
    "specialty_id": SENTINEL_ID - 1,
    "topic_id": SENTINEL_ID - 2,
    "now": SENTINEL_TIME,
    "since": SENTINEL_TIME - timedelta(days=1),
    "date_from": SENTINEL_TIME - timedelta(days=2),
    "date_to": SENTINEL_TIME - timedelta(days=3),
    "kind": SENTINEL_TEXT + "kind",
    "city": SENTINEL_TEXT + "city",
    "skill": SENTINEL_TEXT + "skill",
    "q": SENTINEL_TEXT + "q",
}
#: Filters bound as values when they apply (``online`` and ``cme`` are part of the shape).
_BOUND_FILTERS = ("kind", "date_from", "date_to", "city", "specialty_id", "topic_id", "skill", "q")


@dataclass(frozen=True)
class _Shape:
    member: bool
    applied: tuple[str, ...]
    online: bool | None
    cme: bool
    offset: int
    limit: int
    #: Tag filters (``specialty_id``, ``topic_id``) driven from the tag's event ids (below).
    driven: tuple[str, ...] = ()
    #: ``"page"``: the list itself; ``"candidates"``: the ids (and ends) of the events the list
    #: may show to anyone, before the per-viewer rules (``list_cache``); ``"by_ids"``: the list
    #: restricted to the events of the bound ``ids`` (``list_cache``).
    read: str = "page"
    #: The database vendor, which decides how ``ids`` is bound (``by_ids`` only).
    vendor: str = ""


#: A specialty or topic on at most this many events is read from its event ids (PostgreSQL).
SMALL_TAG = 3000
#: How long a tag's event count is kept (it only chooses a plan shape).
TAG_SIZE_SECONDS = 3600
_LOCAL_SIZES = LocalCopies(max_chars=20_000, measure=lambda value: 1)


def _tag_size(field: str, tag_id: int) -> int:
    """How many events carry tag ``tag_id`` of ``field`` (cached: a plan choice only)."""
    from django.core.cache import cache

    key = f"event-tag-size:{field}:{int(tag_id)}"
    name = cache.make_key(key)
    found = _LOCAL_SIZES.get(name)
    if found is None:
        found = cache.get(key)
        if found is None:
            descriptor = getattr(Event, field)
            column = descriptor.field.m2m_reverse_field_name()
            found = descriptor.through.objects.filter(**{column: tag_id}).count()
            cache.set(key, found, TAG_SIZE_SECONDS)
        _LOCAL_SIZES.put(name, found)
    return int(found)


def _tag_ids_q(field: str, tag_id: Any) -> Q:
    """``pk = ANY(ARRAY(<the tag's event ids>))`` (PostgreSQL): the same rows as
    ``_tag_link``, but planned from the tag's ids. With ``EXISTS`` (a semi-join) PostgreSQL
    misjudges how many upcoming events there are (starts and ends are correlated: 1,207
    estimated, 9,228 real at tier M), scans them all and hash-joins the tag's links (cardiology:
    476); with the ids as an array it fetches those events by primary key and sorts the few
    upcoming ones."""
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    descriptor = getattr(Event, field)
    through = descriptor.through
    column = through._meta.get_field(descriptor.field.m2m_reverse_field_name()).column
    event_column = through._meta.get_field(descriptor.field.m2m_field_name()).column
    q = connection.ops.quote_name
    sql = (
        f"{q(Event._meta.db_table)}.{q('id')} = ANY(ARRAY("  # noqa: S608 - names from models
        f"SELECT {q(event_column)} FROM {q(through._meta.db_table)} WHERE {q(column)} = %s))"
    )
    return Q(RawSQL(sql, (tag_id,), output_field=BooleanField()))  # noqa: S611 - bound value


def _viewer_of(viewer_id: int) -> Any:
    from rounds.accounts.models import User

    return User(pk=viewer_id)


def visible_q_for(*, member: bool, viewer_id: int | None) -> Q:
    """``access.visible_events_q`` with the block rule as subqueries on the viewer's id."""
    from django.contrib.auth.models import AnonymousUser

    from rounds.community.models import Visibility
    from rounds.community.selectors import member_group_ids
    from rounds.network.models import Block

    viewer = _viewer_of(viewer_id) if member and viewer_id is not None else AnonymousUser()
    q = Q(state__in=(State.PUBLISHED, State.CANCELLED)) & Q(
        moderation_state=ModerationState.VISIBLE
    )
    # ``community.selectors.readable_group_ids`` (public groups and the viewer's active
    # memberships) on the group the row already joins for its card: as ``group_id IN
    # (readable ids)`` PostgreSQL scanned the whole group table into a hashed subplan on every
    # list; only the memberships stay a (tiny) subquery.
    q &= (
        Q(group__isnull=True)
        | Q(group__visibility=Visibility.PUBLIC)
        | Q(group_id__in=member_group_ids(viewer))
    )
    if member:
        # ``NOT IN`` (a hashed subplan), not ``NOT EXISTS``: PostgreSQL turns the latter into
        # two anti-joins, and planning the seven-table join took ~10 ms. The negated ``IN`` on
        # a nullable column keeps events without an organizer, as the id list did.
        blocked = Block.objects.filter(blocker_id=viewer_id).values("blocked_id")
        blocking = Block.objects.filter(blocked_id=viewer_id).values("blocker_id")
        q &= ~Q(organizer_id__in=blocked) & ~Q(organizer_id__in=blocking)
    return q


def _tag_link(field: str, tag_id: Any) -> Q:
    descriptor = getattr(Event, field)
    column = descriptor.field.m2m_reverse_field_name()
    links = descriptor.through.objects.filter(event_id=OuterRef("pk"), **{column: tag_id})
    return Q(Exists(links))


def _ids_q(vendor: str, ids: Any) -> Q:
    """``pk`` in the bound id list ``ids``, as **one** parameter whatever its length (so one
    statement, prepared once): an array on PostgreSQL (``= ANY``), JSON text on SQLite
    (``json_each``)."""
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    q = connection.ops.quote_name
    column = f"{q(Event._meta.db_table)}.{q('id')}"
    if vendor == "postgresql":
        sql = f"{column} = ANY(%s::bigint[])"
    else:
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - names from models
    return Q(RawSQL(sql, (ids,), output_field=BooleanField()))  # noqa: S611 - bound value


def _discover_rows(shape: _Shape, **values: Any) -> QuerySet[Any]:
    applied = set(shape.applied)
    if shape.read == "candidates":
        # What every viewer's list is drawn from; ``visible_q_for``'s group and block rules
        # are applied per viewer when the candidates are read back (``by_ids``).
        visible = Q(state__in=(State.PUBLISHED, State.CANCELLED)) & Q(
            moderation_state=ModerationState.VISIBLE
        )
    else:
        visible = visible_q_for(member=shape.member, viewer_id=values["viewer_id"])
    qs = Event.objects.filter(
        visible,
        state=State.PUBLISHED,
        ends_at__gt=values["now"],
        starts_at__gt=values["since"],
    )
    if shape.read == "by_ids":
        qs = qs.filter(_ids_q(shape.vendor, values["ids"]))
    if "kind" in applied:
        qs = qs.filter(kind=values["kind"])
    if "date_from" in applied:
        qs = qs.filter(ends_at__gte=values["date_from"])
    if "date_to" in applied:
        qs = qs.filter(starts_at__lt=values["date_to"])
    if "city" in applied:
        qs = qs.filter(city__iexact=values["city"])
    if shape.online is not None:
        qs = qs.filter(is_online=shape.online)
    for name, field in (("specialty_id", "specialties"), ("topic_id", "topics")):
        if name in applied:
            tag = _tag_ids_q if name in shape.driven else _tag_link
            qs = qs.filter(tag(field, values[name]))
    if shape.cme:
        qs = qs.filter(cme_credits__gt=0)
    if "skill" in applied:
        qs = qs.filter(
            Exists(EventSkill.objects.filter(event_id=OuterRef("pk"), slug=values["skill"]))
        )
    if "q" in applied:
        qs = qs.filter(title__icontains=values["q"])
    if shape.read == "candidates":
        ids = qs.order_by("starts_at", "id").values_list("pk", "ends_at")
        return ids[shape.offset : shape.offset + shape.limit]
    fields: tuple[str, ...] = ROW_FIELDS
    if shape.member:
        viewer_id = values["viewer_id"]
        qs = qs.annotate(
            viewer_state=Subquery(
                Registration.objects.filter(event=OuterRef("pk"), user_id=viewer_id).values(
                    "state"
                )[:1]
            ),
            viewer_co_organizer=Exists(
                EventOrganizer.objects.filter(event=OuterRef("pk"), user_id=viewer_id)
            ),
        )
        fields = (*ROW_FIELDS, *VIEWER_FIELDS)
    qs = qs.order_by("starts_at", "id").values_list(*fields)
    return qs[shape.offset : shape.offset + shape.limit]


#: The stand-in of ``ids`` (a by-ids read): an array on PostgreSQL, JSON text on SQLite.
_IDS_SENTINEL = [SENTINEL_ID - 10]


def _sentinels(shape: _Shape) -> dict[str, Any]:
    names = ["now", "since", *shape.applied]
    if shape.member:
        names.append("viewer_id")
    found = {name: _SENTINELS[name] for name in names}
    if shape.read == "by_ids":
        found["ids"] = ids_param(shape.vendor, _IDS_SENTINEL)
    return found


def ids_param(vendor: str, ids: list[int]) -> Any:
    """The value bound as ``ids`` for ``vendor`` (``_ids_q``)."""
    if vendor == "postgresql":
        return list(ids)
    return json.dumps(list(ids))


#: One compiled query per shape (the plain list, its pages, each filter combination in use).
DISCOVER_ROWS = CompiledShapes(_discover_rows, sentinels=_sentinels, limit=128)


def discover_page(
    *,
    viewer: Any,
    filters: Any,
    page: int,
    size: int,
    now: datetime | None = None,
    use_list_cache: bool = True,
) -> Page[EventRow]:
    """Page ``page`` of ``selectors.discover(viewer, filters)`` as ``EventRow``s (same rows,
    same order: the selector's docstring has the rules). The first pages are read through
    ``list_cache`` (the same rows; ``use_list_cache=False``: always the direct query)."""
    from django.utils import timezone

    from rounds.profiles.models import Interest, Specialty
    from rounds.profiles.selectors import _tag_id

    from .selectors import _day_start, _started_since

    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE_NUMBER))
    now = now or timezone.now()
    member = viewer is not None and viewer.is_authenticated
    values: dict[str, Any] = {
        "viewer_id": viewer.pk if member else None,
        "now": now,
        "since": _started_since(now)["starts_at__gt"],
    }
    if filters.kind:
        values["kind"] = filters.kind
    if filters.date_from:
        values["date_from"] = _day_start(filters.date_from)
    if filters.date_to:
        values["date_to"] = _day_start(filters.date_to + timedelta(days=1))
    if filters.city and filters.city.strip():
        values["city"] = filters.city.strip()
    elif filters.city:
        values["city"] = ""
    for name, model, slug in (
        ("specialty_id", Specialty, filters.specialty),
        ("topic_id", Interest, filters.topic),
    ):
        if slug:
            tag_id = _tag_id(model, slug)
            if tag_id is None:
                return Page(items=[], number=page, size=size, has_next=False)
            values[name] = tag_id
    if filters.skill:
        values["skill"] = filters.skill
    if filters.q:
        values["q"] = filters.q.strip()
    using = router.db_for_read(Event)
    driven: tuple[str, ...] = ()
    if connections[using].vendor == "postgresql":
        driven = tuple(
            name
            for name, field in (("specialty_id", "specialties"), ("topic_id", "topics"))
            if name in values and _tag_size(field, values[name]) <= SMALL_TAG
        )
    shape = _Shape(
        member=member,
        applied=tuple(name for name in _BOUND_FILTERS if name in values),
        online=filters.online,
        cme=bool(filters.cme),
        offset=(page - 1) * size,
        limit=size + 1,
        driven=driven,
    )
    rows = None
    if use_list_cache:
        from .list_cache import cached_page_rows

        rows = cached_page_rows(shape, values, using=using, vendor=connections[using].vendor)
    if rows is None:
        rows = DISCOVER_ROWS.rows(shape, using=using, **values)
    items = [EventRow(*row) for row in rows[:size]]
    return Page(items=items, number=page, size=size, has_next=len(rows) > size)
