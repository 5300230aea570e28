"""Specs → table rows with explicit ids, and the ORM path that stores them (``seed_demo``).

The COPY path for large datasets lives in ``bench/generate.py`` and uses the same
``CommunityRows`` with another sink.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from .generator import (
    ANCHOR,
    DEMO_PASSWORD,
    STAFF_PASSWORD,
    CommunityGenerator,
    MemberSpec,
    OrganizationSpec,
)
from .words import OPEN_TO

# --- rows: specs → table rows with explicit ids -----------------------------------------------


class RowSink(Protocol):
    """Receives rows (dicts keyed by field ``attname``) for a model; writes them on ``flush``."""

    def add(self, model: type[Any], row: dict[str, Any]) -> None: ...

    def flush(self) -> None: ...


def community_models() -> list[type[Any]]:
    """Every model the community writes, parents before children (the flush order)."""
    from allauth.account.models import EmailAddress

    from rounds.accounts.models import User

    from ..models import Affiliation, Goal, Interest, Organization, Profile

    return [
        Organization,
        Goal,
        Interest,
        User,
        EmailAddress,
        Profile,
        Profile.specialties.through,
        Profile.goals.through,
        Profile.interests.through,
        Affiliation,
    ]


class IdAllocator:
    """Hands out explicit primary keys, starting after the largest id already in each table."""

    def __init__(self, start: dict[type[Any], int]):
        self._next = dict(start)

    @classmethod
    def from_database(cls, models: Sequence[type[Any]], using: str = "default") -> IdAllocator:
        from django.db.models import Max

        start = {}
        for model in models:
            top = model._default_manager.using(using).aggregate(top=Max("pk"))["top"]
            start[model] = (top or 0) + 1
        return cls(start)

    def take(self, model: type[Any]) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


@dataclass
class CommunityRows:
    """Writes a generated community into ``sink`` as rows with explicit primary keys.

    Call ``vocabularies`` first (it needs the existing specialty/goal/interest ids and adds
    the member-added tags), then ``organizations``, then ``member`` for each spec (staff
    first, so verified NPIs can name the staff member who verified them).
    """

    sink: RowSink
    ids: IdAllocator
    password_hashes: dict[str, str]
    specialty_ids: dict[str, int] = field(default_factory=dict)
    goal_ids: dict[str, int] = field(default_factory=dict)
    interest_ids: dict[str, int] = field(default_factory=dict)
    organization_ids: list[int] = field(default_factory=list)
    staff_user_id: int | None = None
    members_written: int = 0
    affiliations_written: int = 0

    def __post_init__(self) -> None:
        models = community_models()
        (
            self.Organization,
            self.Goal,
            self.Interest,
            self.User,
            self.EmailAddress,
            self.Profile,
            self.ProfileSpecialty,
            self.ProfileGoal,
            self.ProfileInterest,
            self.Affiliation,
        ) = models

    def vocabularies(
        self,
        *,
        specialty_ids: dict[str, int],
        goal_ids: dict[str, int],
        interest_ids: dict[str, int],
        generator: CommunityGenerator,
    ) -> None:
        """Record vocabulary ids; queue member-added goals/interests that do not exist yet."""
        self.specialty_ids = dict(specialty_ids)
        self.goal_ids = dict(goal_ids)
        self.interest_ids = dict(interest_ids)
        for model, known, free in (
            (self.Goal, self.goal_ids, generator.free_goals),
            (self.Interest, self.interest_ids, generator.free_interests),
        ):
            for name, slug in free:
                if slug not in known:
                    known[slug] = self.ids.take(model)
                    self.sink.add(
                        model, {"id": known[slug], "slug": slug, "name": name, "curated": False}
                    )
        missing = [s for s in generator.specialties if s not in self.specialty_ids]
        if missing:
            raise LookupError(
                f"Specialty vocabulary is not loaded (missing {missing[0]!r}); run migrations."
            )

    def organizations(self, specs: Sequence[OrganizationSpec], *, now: datetime) -> None:
        for spec in specs:
            org_id = self.ids.take(self.Organization)
            self.organization_ids.append(org_id)
            self.sink.add(
                self.Organization,
                {
                    "id": org_id,
                    "created_at": now,
                    "updated_at": now,
                    "name": spec.name,
                    "slug": spec.slug,
                    "kind": spec.kind,
                    "city": spec.city,
                    "region": spec.region,
                    "country": spec.country,
                    "website": spec.website,
                    "description": spec.description,
                },
            )

    def member(self, spec: MemberSpec) -> int:
        """Queue the rows of one member; returns the new user id."""
        user_id = self.ids.take(self.User)
        profile_id = self.ids.take(self.Profile)
        add = self.sink.add
        add(
            self.User,
            {
                "id": user_id,
                "password": self.password_hashes[spec.password],
                "last_login": None,
                "is_superuser": False,
                "is_staff": spec.is_staff,
                "is_active": True,
                "date_joined": spec.joined,
                "email": spec.email,
            },
        )
        if spec.is_staff:
            self.staff_user_id = user_id
        add(
            self.EmailAddress,
            {
                "id": self.ids.take(self.EmailAddress),
                "user_id": user_id,
                "email": spec.email,
                "verified": True,
                "primary": True,
            },
        )
        verified = spec.npi_verified and spec.npi is not None and self.staff_user_id is not None
        row = {
            "id": profile_id,
            "created_at": spec.joined,
            "updated_at": spec.joined,
            "user_id": user_id,
            "handle": spec.handle,
            "display_name": spec.display_name,
            "headline": spec.headline,
            "bio": spec.bio,
            "role": spec.role,
            "career_stage": spec.career_stage,
            "languages": list(spec.languages),
            "city": spec.city,
            "region": spec.region,
            "country": spec.country,
            "location_visibility": spec.location_visibility,
            "phone": spec.phone,
            "phone_visibility": spec.phone_visibility,
            "email_visibility": spec.email_visibility,
            "visibility": spec.visibility,
            "avatar": "",
            "npi": spec.npi,
            "npi_verified_at": spec.joined + timedelta(days=7) if verified else None,
            "npi_verified_by_id": self.staff_user_id if verified else None,
        }
        for flag in _OPEN_TO_FIELDS:
            row[flag] = flag in spec.open_to
        add(self.Profile, row)
        for slug in spec.specialties:
            add(
                self.ProfileSpecialty,
                {
                    "id": self.ids.take(self.ProfileSpecialty),
                    "profile_id": profile_id,
                    "specialty_id": self.specialty_ids[slug],
                },
            )
        for slug in spec.goals:
            add(
                self.ProfileGoal,
                {
                    "id": self.ids.take(self.ProfileGoal),
                    "profile_id": profile_id,
                    "goal_id": self.goal_ids[slug],
                },
            )
        for slug in spec.interests:
            add(
                self.ProfileInterest,
                {
                    "id": self.ids.take(self.ProfileInterest),
                    "profile_id": profile_id,
                    "interest_id": self.interest_ids[slug],
                },
            )
        stamp = spec.joined
        for affiliation in spec.affiliations:
            add(
                self.Affiliation,
                {
                    "id": self.ids.take(self.Affiliation),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "user_id": user_id,
                    "organization_id": self.organization_ids[affiliation.organization],
                    "department": affiliation.department,
                    "title": affiliation.title,
                    "start_date": affiliation.start_date,
                    "end_date": affiliation.end_date,
                    "is_current": affiliation.is_current,
                },
            )
            self.affiliations_written += 1
        self.members_written += 1
        return user_id


_OPEN_TO_FIELDS = tuple(OPEN_TO)


def vocabulary_ids(using: str = "default") -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(specialty, goal, interest) ids by slug, as stored in the database."""
    from ..models import Goal, Interest, Specialty

    return (
        dict(Specialty.objects.using(using).values_list("slug", "id")),
        dict(Goal.objects.using(using).values_list("slug", "id")),
        dict(Interest.objects.using(using).values_list("slug", "id")),
    )


def password_hashes() -> dict[str, str]:
    """The password hashes a community uses, computed once per process (Argon2 is slow).

    Every generated member shares the demo password's hash; the staff account has its own.
    """
    demo, staff = _hashes()
    return {"member": demo, "demo": demo, "staff": staff}


@functools.cache
def _hashes() -> tuple[str, str]:
    from django.contrib.auth.hashers import make_password

    return make_password(DEMO_PASSWORD), make_password(STAFF_PASSWORD)


# --- the ORM path (seed_demo) ----------------------------------------------------------------


class OrmSink:
    """Buffers rows per model and writes them with ``bulk_create`` in dependency order."""

    def __init__(
        self, models: Sequence[type[Any]], *, using: str = "default", batch_size: int = 500
    ):
        self.models = list(models)
        self.using = using
        self.batch_size = batch_size
        self.buffers: dict[type[Any], list[Any]] = {model: [] for model in self.models}
        self.counts: dict[str, int] = {}

    def add(self, model: type[Any], row: dict[str, Any]) -> None:
        self.buffers[model].append(model(**row))

    def flush(self) -> None:
        for model in self.models:
            rows = self.buffers[model]
            if rows:
                model._default_manager.using(self.using).bulk_create(
                    rows, batch_size=self.batch_size
                )
                label = model._meta.label_lower
                self.counts[label] = self.counts.get(label, 0) + len(rows)
                self.buffers[model] = []


@dataclass(frozen=True)
class SeedSummary:
    members: int
    organizations: int
    affiliations: int
    seconds: float


def reset_sequences(models: Sequence[type[Any]], using: str = "default") -> None:
    """Move id sequences past the explicit ids we inserted (PostgreSQL; a no-op on SQLite)."""
    from django.core.management.color import no_style
    from django.db import connections

    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def community_exists(using: str = "default") -> bool:
    """True when any member profile exists (what ``--if-empty`` checks)."""
    from ..models import Profile

    return Profile.objects.using(using).exists()


def community_reset(using: str = "default") -> None:
    """Delete every account, organization and member-added tag. Curated vocabularies stay."""
    from rounds.accounts.models import User

    from ..models import Affiliation, Goal, Interest, Organization

    Affiliation.objects.using(using).all().delete()
    User.objects.using(using).all().delete()
    Organization.objects.using(using).all().delete()
    Goal.objects.using(using).filter(curated=False).delete()
    Interest.objects.using(using).filter(curated=False).delete()


def seed_community(
    *,
    members: int,
    seed: int,
    using: str = "default",
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """Generate and store a community of ``members`` generated members (+ demo and staff).

    Preconditions: migrations applied (vocabularies loaded) and no account uses the demo or
    staff email, nor any generated handle (callers check ``community_exists`` first).
    One transaction; rows go in with ``bulk_create`` in chunks of ``chunk`` members. Works on
    SQLite and PostgreSQL. Raises LookupError when the specialty vocabulary is missing.
    """
    import time as _time

    from django.db import transaction

    started = _time.perf_counter()
    generator = CommunityGenerator(seed=seed, size=members)
    models = community_models()
    now = datetime.combine(ANCHOR, time(9, 0), tzinfo=UTC)
    with transaction.atomic(using=using):
        sink = OrmSink(models, using=using)
        rows = CommunityRows(
            sink=sink,
            ids=IdAllocator.from_database(models, using),
            password_hashes=password_hashes(),
        )
        specialty_ids, goal_ids, interest_ids = vocabulary_ids(using)
        rows.vocabularies(
            specialty_ids=specialty_ids,
            goal_ids=goal_ids,
            interest_ids=interest_ids,
            generator=generator,
        )
        rows.organizations(generator.organizations, now=now)
        for count, spec in enumerate(generator.members(), start=1):
            rows.member(spec)
            if count % chunk == 0:
                sink.flush()
                if progress is not None:
                    progress(count)
        sink.flush()
        reset_sequences(models, using)
    return SeedSummary(
        members=rows.members_written,
        organizations=len(generator.organizations),
        affiliations=rows.affiliations_written,
        seconds=_time.perf_counter() - started,
    )
