"""The pure part of the demo community: organizations and members as specs, no database.

See ``rounds.profiles.demo`` for the overview. Deterministic: the same seed, size and code
give the same specs in the same order.
"""

from __future__ import annotations

import bisect
import importlib
import itertools
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils.text import slugify

from ..npi import luhn_check_digit
from ..vocab import load
from . import words
from .words import (
    CLINICAL_ROLES,
    DEFAULT_STAGES,
    FAMILY_INTERESTS,
    GOALS_BY_STAGE,
    KIND_ROLES,
    KIND_SCALE,
    NPI_ROLES,
    OPEN_TO,
    ROLE_STAGES,
    SPECIALTY_INTERESTS,
    WORKPLACE_KINDS,
    YEARS_IN_POSITION,
)

DEMO_EMAIL = "demo@rounds.example"
DEMO_PASSWORD = "rounds-demo-2026"
DEMO_HANDLE = "jordan-avery"
STAFF_EMAIL = "staff@rounds.example"
STAFF_PASSWORD = "rounds-staff-2026"
STAFF_HANDLE = "rounds-staff"
MEMBER_EMAIL_DOMAIN = "members.rounds.example"

#: Generated dates are relative to this fixed day (never "today"), so data is reproducible.
ANCHOR = date(2026, 1, 1)
JOINED_FROM = datetime(2023, 1, 1, tzinfo=UTC)
JOINED_SPAN_SECONDS = int((datetime(2025, 12, 31, tzinfo=UTC) - JOINED_FROM).total_seconds())

_HANDLE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])?$")
_ASCII_FOLD = str.maketrans(
    {"ı": "i", "ł": "l", "Ł": "L", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae"}
)


# --- specs: what the generator produces ------------------------------------------------------


@dataclass(frozen=True)
class OrganizationSpec:
    """One organization; ``weight`` (not stored) is its relative head-count."""

    index: int
    name: str
    slug: str
    kind: str
    city: str
    region: str
    country: str
    website: str
    description: str
    weight: float
    society_family: str = ""  # for societies: the specialty family they serve ("" = all)


@dataclass(frozen=True)
class AffiliationSpec:
    organization: int  # index into CommunityGenerator.organizations
    department: str
    title: str
    start_date: date | None
    end_date: date | None
    is_current: bool


@dataclass(frozen=True)
class MemberSpec:
    """One account with its profile. ``password`` names a hash: "member", "demo" or "staff"."""

    email: str
    handle: str
    display_name: str
    headline: str
    bio: str
    role: str
    career_stage: str
    specialties: tuple[str, ...]
    goals: tuple[str, ...]
    interests: tuple[str, ...]
    languages: tuple[str, ...]
    city: str
    region: str
    country: str
    location_visibility: str
    phone: str
    phone_visibility: str
    email_visibility: str
    visibility: str
    open_to: tuple[str, ...]
    npi: str | None
    npi_verified: bool
    affiliations: tuple[AffiliationSpec, ...]
    joined: datetime
    password: str = "member"
    is_staff: bool = False


# --- small helpers -------------------------------------------------------------------------


class WeightedChoice:
    """Fast repeated weighted draws from a fixed population (bisect over cumulative weights)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]):
        if not items:
            raise ValueError("WeightedChoice needs at least one item.")
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    @classmethod
    def of(cls, mapping: Mapping[Any, float]) -> WeightedChoice:
        return cls(list(mapping), list(mapping.values()))

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]

    def sample(self, rng: random.Random, k: int) -> list[Any]:
        """Up to ``k`` distinct items, drawn by weight (order of first draw)."""
        k = min(k, len(self.items))
        chosen: list[Any] = []
        for _ in range(k * 8):
            if len(chosen) >= k:
                break
            item = self(rng)
            if item not in chosen:
                chosen.append(item)
        return chosen


def _years_before(day: date, years: float) -> date:
    return day - timedelta(days=int(years * 365.25))


def _ascii_slug(text: str) -> str:
    return slugify(text.translate(_ASCII_FOLD))


def _name_table(provider: Any, attribute: str) -> tuple[list[str], list[float]] | None:
    table = getattr(provider, attribute, None)
    if not table or len(table) < 5:
        return None
    if isinstance(table, dict):
        return list(table), [float(w) for w in table.values()]
    return list(table), [1.0] * len(table)


class NamePools:
    """First and last names from Faker's per-locale name tables, drawn with our own RNG.

    Reading Faker's tables (instead of calling ``Faker().first_name()`` ~100 µs a time) keeps
    200,000 names fast and makes them depend only on our seeded RNG. Locales whose tables are
    missing or tiny in the installed Faker are skipped.
    """

    def __init__(self) -> None:
        locales, weights = [], []
        self.tables: dict[str, tuple[WeightedChoice, WeightedChoice, WeightedChoice, str]] = {}
        for locale, weight, language in words.NAME_LOCALES:
            try:
                provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
            except (ImportError, AttributeError):
                continue
            romanized = _name_table(provider, "first_romanized_names")
            female = romanized or _name_table(provider, "first_names_female")
            male = romanized or _name_table(provider, "first_names_male")
            last = _name_table(provider, "last_romanized_names") or _name_table(
                provider, "last_names"
            )
            if not (female and male and last):
                continue
            self.tables[locale] = (
                WeightedChoice(*female),
                WeightedChoice(*male),
                WeightedChoice(*last),
                language,
            )
            locales.append(locale)
            weights.append(weight)
        if not self.tables:
            raise RuntimeError("Faker's person providers are not available.")
        self.locale = WeightedChoice(locales, weights)
        self.us_last = self.tables.get("en_US", next(iter(self.tables.values())))[2]

    def person(self, rng: random.Random) -> tuple[str, str, str]:
        """(first name, last name, language code tied to the name's locale or "")."""
        female, male, last, language = self.tables[self.locale(rng)]
        first = (female if rng.random() < 0.52 else male)(rng)
        return first, last(rng), language


# --- the generator -------------------------------------------------------------------------


class CommunityGenerator:
    """Deterministic demo community of ``size`` generated members for ``seed``.

    ``organizations`` is built eagerly (small); ``members()`` streams the staff account, the
    demo account, then ``size`` generated members. ``members()`` may be iterated once per
    generator (it tracks used handles and NPIs); build a new generator to start again.
    """

    def __init__(self, *, seed: int, size: int):
        if size < 0:
            raise ValueError("size must be zero or more")
        self.seed = seed
        self.size = size
        self.names = NamePools()
        self.specialties = {s["slug"]: s for s in load("specialties")}
        self.subspecialties: dict[str, list[str]] = {}
        for entry in load("specialties"):
            if entry["parent"]:
                self.subspecialties.setdefault(str(entry["parent"]), []).append(str(entry["slug"]))
        self.goal_slugs = [str(g["slug"]) for g in load("goals")]
        self.interest_slugs = [str(i["slug"]) for i in load("interests")]
        self.goal_names = {str(g["slug"]): str(g["name"]) for g in load("goals")}
        self.interest_names = {str(i["slug"]): str(i["name"]) for i in load("interests")}
        self.interest_names.update({slug: name for name, slug in words.FREE_INTERESTS})
        self.free_goals = list(words.FREE_GOALS)
        self.free_interests = list(words.FREE_INTERESTS)
        self.cities = WeightedChoice(list(words.CITIES), [weight for *_, weight in words.CITIES])
        self._used_handles: dict[str, int] = {STAFF_HANDLE: 1, DEMO_HANDLE: 1}
        self._reserved = _reserved_handles()
        self._used_npis: set[str] = set()
        self.organizations: list[OrganizationSpec] = []
        self._build_organizations(random.Random(f"{seed}:organizations"))
        self._consumed = False

    # organizations -------------------------------------------------------------------------

    def _surname(self, rng: random.Random) -> str:
        return str(self.names.us_last(rng))

    def _org_name(self, rng: random.Random, kind: str, city: str) -> str:
        place = rng.choice(words.PLACES)
        saint = rng.choice(words.SAINTS)
        surname = self._surname(rng)
        options: dict[str, tuple[str, ...]] = {
            "hospital": (
                f"{saint} Hospital",
                f"{saint} Medical Center",
                f"{saint} General Hospital",
                f"{place} General Hospital",
                f"{place} Regional Medical Center",
                f"{place} Community Hospital",
                f"{surname} Memorial Hospital",
                f"{place} Children's Hospital",
                f"{place} Health",
                f"{place} University Medical Center",
            ),
            "clinic": (
                f"{place} Family Health Center",
                f"{city} Community Health Center",
                f"{surname} Clinic",
                f"{place} Urgent Care",
                f"{place} Women's Health Clinic",
                f"{place} Free Clinic",
            ),
            "practice": (
                f"{surname} & {self._surname(rng)} {rng.choice(words.PRACTICE_FIELDS)} Associates",
                f"{place} {rng.choice(words.PRACTICE_FIELDS)} Group",
                f"{city} {rng.choice(words.PRACTICE_FIELDS)} Partners",
                f"{surname} Family Practice",
            ),
            "university": (
                f"University of {place}",
                f"{place} University",
                f"{surname} University",
                f"{place} State University",
            ),
            "medical_school": (
                f"{place} University School of Medicine",
                f"{surname} University School of Medicine",
                f"{surname} College of Medicine",
                f"{place} College of Osteopathic Medicine",
            ),
            "nonprofit": (
                f"Physicians for {rng.choice(words.NONPROFIT_CAUSES)}",
                f"{place} Free Clinic Network",
                f"{city} Health Foundation",
            ),
            "company": (
                f"{place} Health Technologies",
                f"{surname} Diagnostics",
                f"{place} Telehealth",
                f"{place} Clinical Research",
            ),
            "government": (
                f"{city} Department of Public Health",
                f"{city} Veterans Health Clinic",
                f"{city} County Health Services",
            ),
        }
        return rng.choice(options[kind])

    def _org_description(self, rng: random.Random, kind: str, city: str, region: str) -> str:
        where = f"{city}, {region}" if region else city
        if kind == "hospital":
            beds = rng.randrange(120, 1200, 10)
            flavour = rng.choice(("teaching hospital", "community hospital", "regional hospital"))
            return f"A {beds}-bed {flavour} in {where}."
        return {
            "clinic": f"Community clinic in {where} offering primary care, behavioral health and pharmacy services.",
            "practice": f"Independent physician practice serving patients in {where}.",
            "university": f"Research university in {where}.",
            "medical_school": f"Medical school in {where} training physicians and biomedical scientists.",
            "nonprofit": f"Non-profit improving access to care in and around {where}.",
            "company": f"Health technology and services company based in {where}.",
            "government": f"Public health agency serving {where}.",
            "society": f"Professional society headquartered in {where}.",
        }.get(kind, "")

    def _add_org(
        self,
        rng: random.Random,
        *,
        kind: str,
        name_city: tuple[str, str, str],
        weight: float,
        name: str | None = None,
        society_family: str = "",
        taken: dict[tuple[str, str], int],
        slugs: dict[str, int],
    ) -> None:
        city, region, country = name_city
        if name is None:
            for _ in range(12):
                name = self._org_name(rng, kind, city)
                if (name, city) not in taken:
                    break
            else:
                name = f"{name} – {rng.choice(words.PLACES)} Campus"
        assert name is not None
        taken[(name, city)] = 1
        base = _ascii_slug(f"{name} {city}")[:200].strip("-") or "organization"
        slugs[base] = slugs.get(base, 0) + 1
        slug = base if slugs[base] == 1 else f"{base}-{slugs[base]}"
        self.organizations.append(
            OrganizationSpec(
                index=len(self.organizations),
                name=name,
                slug=slug,
                kind=kind,
                city=city,
                region=region,
                country=country,
                website=f"https://www.{base[:60].strip('-')}.example",
                description=self._org_description(rng, kind, city, region),
                weight=weight,
                society_family=society_family,
            )
        )

    def _build_organizations(self, rng: random.Random) -> None:
        taken: dict[tuple[str, str], int] = {}
        slugs: dict[str, int] = {}
        workplaces = max(6, round(self.size / 20))
        kind_choice = WeightedChoice.of(WORKPLACE_KINDS)
        for i in range(workplaces):
            kind = ("hospital", "medical_school")[i] if i < 2 else kind_choice(rng)
            city, region, country, _ = self.cities(rng)
            weight = KIND_SCALE[kind] * rng.paretovariate(1.3)
            self._add_org(
                rng,
                kind=kind,
                name_city=(city, region, country),
                weight=weight,
                taken=taken,
                slugs=slugs,
            )
        self.workplace_count = len(self.organizations)
        # No single workplace takes more than a tenth of everyone (matters for small demos).
        cap = 0.1 * sum(o.weight for o in self.organizations)
        self.organizations = [
            replace(o, weight=min(o.weight, cap)) if o.weight > cap else o
            for o in self.organizations
        ]
        by_city = {c[0]: c for c in words.CITIES}
        societies = min(len(words.SOCIETY_FIELDS), max(2, round(self.size / 60)))
        for family, field_name in words.SOCIETY_FIELDS[:societies]:
            city, region, country, _ = by_city[rng.choice(words.SOCIETY_CITIES)]
            pattern = rng.choice(words.SOCIETY_PATTERNS)
            self._add_org(
                rng,
                kind="society",
                name_city=(city, region, country),
                weight=1.0,
                name=pattern.format(field=field_name),
                society_family=family,
                taken=taken,
                slugs=slugs,
            )
        self.society_for_family = {
            o.society_family: o.index for o in self.organizations if o.kind == "society"
        }
        self.general_societies = [
            o.index for o in self.organizations if o.kind == "society" and not o.society_family
        ]
        self.workplaces_by_kind: dict[str, list[int]] = {}
        self.academic_by_city: dict[str, list[int]] = {}
        for org in self.organizations[: self.workplace_count]:
            self.workplaces_by_kind.setdefault(org.kind, []).append(org.index)
            if org.kind in ("medical_school", "university"):
                self.academic_by_city.setdefault(org.city, []).append(org.index)
        workplaces_list = self.organizations[: self.workplace_count]
        self.workplace_choice = WeightedChoice(
            [o.index for o in workplaces_list], [o.weight for o in workplaces_list]
        )
        self.kind_choice = {
            kind: WeightedChoice(ids, [self.organizations[i].weight for i in ids])
            for kind, ids in self.workplaces_by_kind.items()
        }

    def primary_assignments(self, rng: random.Random) -> list[int]:
        """Each generated member's primary workplace: every workplace gets a few, the rest by weight."""
        seats = 3 if self.size >= 3 * self.workplace_count else 1
        slots = [i for i in range(self.workplace_count) for _ in range(seats)][: self.size]
        slots += [self.workplace_choice(rng) for _ in range(self.size - len(slots))]
        rng.shuffle(slots)
        return slots

    # members ---------------------------------------------------------------------------------

    def _handle(self, first: str, last: str) -> str:
        base = _ascii_slug(f"{first} {last}")[:34].strip("-")
        if len(base) < 3 or not _HANDLE_RE.match(base):
            base = (base + "-md").strip("-") if base else "member"
        count = self._used_handles.get(base, 0) + 1
        self._used_handles[base] = count
        if count == 1 and base not in self._reserved:
            return base
        while True:  # "-2" could be a real name's slug only if names had digits; they don't
            candidate = f"{base}-{count}"
            if candidate not in self._used_handles:
                self._used_handles[candidate] = 1
                return candidate
            count += 1

    def _npi(self, rng: random.Random) -> str:
        while True:
            payload = "1" + f"{rng.randrange(10**8):08d}"
            if payload not in self._used_npis:
                self._used_npis.add(payload)
                return payload + str(luhn_check_digit("80840" + payload))

    def _specialties(self, rng: random.Random, role: str) -> tuple[str, ...]:
        def in_family(family: str, sub_share: float) -> str:
            subs = self.subspecialties.get(family, [])
            return rng.choice(subs) if subs and rng.random() < sub_share else family

        if role in ("physician", "resident", "fellow"):
            family = _PHYSICIAN_FAMILY(rng)
            share = {"physician": 0.45, "resident": 0.08, "fellow": 0.85}[role]
            chosen = [in_family(family, share)]
            if role == "physician" and rng.random() < 0.15:
                extra = rng.choice([*words.SIDE_SPECIALTIES, in_family(family, 1.0)])
                if extra not in chosen:
                    chosen.append(extra)
            return tuple(chosen)
        if role == "nurse":
            return (in_family("nursing", 0.5),)
        if role == "nurse_practitioner":
            return (_NP_FAMILY(rng), "nursing")
        if role == "physician_assistant":
            return (in_family(_PA_FAMILY(rng), 0.2),)
        if role == "pharmacist":
            return (in_family("pharmacy", 0.5),)
        if role == "allied_health":
            return (_ALLIED(rng),)
        if role == "medical_student":
            return (_PHYSICIAN_FAMILY(rng),) if rng.random() < 0.6 else ()
        if role == "researcher":
            roll = rng.random()
            if roll < 0.7:
                return (in_family(_PHYSICIAN_FAMILY(rng), 0.6),)
            return (rng.choice(("medical-genetics-and-genomics", "clinical-informatics")),)
        if role == "administrator":
            return ("health-policy-and-administration",) if rng.random() < 0.7 else ()
        choices = ("global-health", "health-policy-and-administration", "medical-education")
        return (rng.choice(choices),) if rng.random() < 0.3 else ()

    def _spec_name(self, slug: str) -> str:
        return str(self.specialties[slug]["name"])

    def _family(self, slug: str) -> str:
        return str(self.specialties[slug]["parent"] or slug)

    def _title(self, rng: random.Random, role: str, stage: str, specialty: str, kind: str) -> str:
        dept = self._spec_name(specialty) if specialty else "Medicine"
        if role == "physician":
            if kind in ("company", "nonprofit", "government"):
                return rng.choice(words.NONCLINICAL_PHYSICIAN_TITLES)
            return rng.choice(words.PHYSICIAN_TITLES[stage]).format(dept=dept)
        if role == "resident":
            return "Resident Physician"
        if role == "fellow":
            return f"{dept} Fellow"
        if role == "nurse_practitioner":
            return f"{dept} Nurse Practitioner"
        if role == "physician_assistant":
            return "Physician Assistant"
        if role == "allied_health":
            return words.ALLIED_TITLES[specialty][0]
        if role == "medical_student":
            return "Medical Student"
        return rng.choice(words.ROLE_TITLES[role])

    def _department(self, role: str, specialty: str) -> str:
        if role == "medical_student":
            return "Doctor of Medicine Program"
        if role == "administrator":
            return "Administration"
        if role == "patient_advocate":
            return "Patient and Family Advisory Council"
        return self._spec_name(specialty) if specialty else ""

    def _credentials(self, rng: random.Random, role: str, specialty: str) -> str:
        if role == "allied_health":
            return words.ALLIED_TITLES[specialty][1]
        table = words.CREDENTIALS.get(role)
        if not table or rng.random() < 0.2:
            return ""
        return str(WeightedChoice([c for c, _ in table], [w for _, w in table])(rng))

    def _headline(
        self,
        rng: random.Random,
        *,
        role: str,
        title: str,
        specialty: str,
        org: OrganizationSpec,
        interests: Sequence[str],
    ) -> str:
        spec = self._spec_name(specialty) if specialty else ""
        interest = self.interest_names[interests[0]] if interests else ""
        at = org.name
        if role == "physician":
            noun = words.PRACTITIONER.get(specialty, f"{spec} specialist")
            titled = f"{title} · {at}" if spec in title else f"{title}, {spec} · {at}"
            options = [f"{noun} at {at}", titled]
            if interest:
                options.append(f"{noun} · {interest} · {at}")
            text = rng.choice(options)
        elif role == "resident":
            text = f"{spec} resident (PGY-{rng.randint(1, 5)}) at {at}"
        elif role == "fellow":
            text = f"{spec} fellow at {at}"
        elif role == "nurse":
            text = f"{title} · {spec} at {at}"
        elif role == "nurse_practitioner":
            text = f"{spec} nurse practitioner at {at}"
        elif role == "physician_assistant":
            text = f"Physician assistant in {spec.lower()} at {at}"
        elif role == "medical_student":
            text = f"Medical student (MS{rng.randint(1, 4)}) at {at}"
            if spec:
                text += f" · Interested in {spec.lower()}"
        elif role in ("patient_advocate", "other"):
            text = f"{title} · {interest}" if interest else title
        else:
            text = f"{title} at {at}"
            if role == "researcher" and interest:
                text += f" · {interest}"
        return text[:160]

    def _bio(
        self,
        rng: random.Random,
        *,
        role: str,
        stage: str,
        org: OrganizationSpec,
        interests: Sequence[str],
        goals: Sequence[str],
        past: OrganizationSpec | None,
    ) -> str:
        if rng.random() < 0.25:
            return ""
        group = {
            "physician": "physician",
            "resident": "trainee",
            "fellow": "trainee",
            "nurse": "nursing",
            "nurse_practitioner": "advanced_practice",
            "physician_assistant": "advanced_practice",
            "pharmacist": "pharmacy",
            "allied_health": "allied",
            "medical_student": "student",
            "researcher": "research",
            "administrator": "admin",
        }.get(role, "community")
        sentences = [f"I {rng.choice(words.ACTIVITIES[group])} at {org.name} in {org.city}."]
        names = [self.interest_names[i].lower() for i in interests[:2]]
        if len(names) == 2:
            sentences.append(f"My interests include {names[0]} and {names[1]}.")
        elif names:
            sentences.append(f"I care most about {names[0]}.")
        if past is not None and rng.random() < 0.6:
            sentences.append(f"Previously at {past.name}.")
        if goals and goals[0] in words.GOAL_SENTENCES:
            sentences.append(words.GOAL_SENTENCES[goals[0]])
        if rng.random() < 0.35:
            sentences.append(rng.choice(words.PERSONAL_SENTENCES))
        return " ".join(sentences)

    def _tags(
        self,
        rng: random.Random,
        stage: str,
        specialties: Sequence[str],
    ) -> tuple[list[str], list[str]]:
        goal_weights = dict.fromkeys(self.goal_slugs, 0.4)
        goal_weights.update(GOALS_BY_STAGE[stage])
        goals = WeightedChoice.of(goal_weights).sample(rng, rng.choice((1, 2, 2, 3, 3, 4)))
        interests: list[str] = []
        for slug in specialties:
            linked = SPECIALTY_INTERESTS.get(slug) or FAMILY_INTERESTS.get(self._family(slug))
            if linked and linked not in interests and rng.random() < 0.5:
                interests.append(linked)
        for slug in _INTEREST_CHOICE.sample(rng, rng.choice((2, 3, 3, 4, 5))):
            if slug not in interests:
                interests.append(slug)
        if rng.random() < 0.03:
            goals.append(rng.choice(self.free_goals)[1])
        if rng.random() < 0.04:
            interests.append(rng.choice(self.free_interests)[1])
        return goals, interests

    def _languages(self, rng: random.Random, name_language: str, city: str) -> tuple[str, ...]:
        languages = ["en"]
        if name_language and rng.random() < 0.7:
            languages.append(name_language)
        local = words.CITY_LANGUAGE.get(city)
        if local and rng.random() < 0.8:
            languages.append(local)
        if rng.random() < 0.12:
            languages.append(_EXTRA_LANGUAGE(rng))
        return tuple(dict.fromkeys(languages))

    def _affiliations(
        self,
        rng: random.Random,
        *,
        role: str,
        stage: str,
        primary: OrganizationSpec,
        specialty: str,
        title: str,
    ) -> tuple[list[AffiliationSpec], OrganizationSpec | None]:
        department = self._department(role, specialty)
        low, high = YEARS_IN_POSITION[stage]
        start = _years_before(ANCHOR, rng.uniform(low, high) + 0.05)
        result = [AffiliationSpec(primary.index, department, title, start, None, True)]
        # A faculty appointment at an academic centre in the same city.
        if role in ("physician", "fellow") and primary.kind in ("hospital", "clinic"):
            academic = self.academic_by_city.get(primary.city)
            if academic and rng.random() < 0.3:
                rank = {"early": "Assistant", "mid": "Associate"}.get(stage, "Clinical")
                result.append(
                    AffiliationSpec(
                        rng.choice(academic),
                        department,
                        f"{rank} Professor of {department or 'Medicine'}",
                        start,
                        None,
                        True,
                    )
                )
        # A professional society for the member's specialty family (or a cross-cutting one).
        society_chance = 0.4 if role == "physician" else 0.25
        if (role in CLINICAL_ROLES or role == "researcher") and rng.random() < society_chance:
            family = self._family(specialty) if specialty else ""
            society = self.society_for_family.get(family)
            if society is None and self.general_societies and rng.random() < 0.5:
                society = rng.choice(self.general_societies)
            if society is not None:
                society_title = rng.choice(
                    ("Member", "Member", "Member", "Fellow", "Committee Member")
                )
                joined = _years_before(ANCHOR, rng.uniform(0.2, 12))
                result.append(AffiliationSpec(society, "", society_title, joined, None, True))
        # Past positions, walking back in time from the current one: an earlier job
        # (established clinicians and non-physicians), then residency, then medical school.
        past_org: OrganizationSpec | None = None
        end = start - timedelta(days=rng.randint(1, 90))

        def add_past(org_index: int, dept: str, past_title: str, years: float) -> None:
            nonlocal end, past_org
            begin = _years_before(end, years)
            result.append(AffiliationSpec(org_index, dept, past_title, begin, end, False))
            past_org = past_org or self.organizations[org_index]
            end = begin - timedelta(days=rng.randint(20, 90))

        physician_path = role in ("physician", "resident", "fellow")
        earlier_job = (role == "physician" and stage in ("mid", "senior", "retired")) or (
            not physician_path and role != "medical_student"
        )
        if earlier_job and rng.random() < 0.25:
            previous = self.workplace_choice(rng)
            if previous != primary.index:
                earlier_title = (
                    rng.choice(words.PHYSICIAN_TITLES["early"]).format(dept=department)
                    if role == "physician"
                    else title
                )
                add_past(previous, department, earlier_title, rng.uniform(1, 6))
        hospitals = self.kind_choice.get("hospital")
        if role in ("physician", "fellow") and hospitals is not None and rng.random() < 0.5:
            residency = hospitals(rng)
            if residency != primary.index:
                add_past(residency, department, "Resident Physician", rng.choice((3, 3, 4, 5)))
        schools = self.kind_choice.get("medical_school")
        if physician_path and schools is not None and rng.random() < 0.4:
            school = schools(rng)
            if school != primary.index:
                add_past(school, "Doctor of Medicine Program", "Medical Student", 4)
        return result, past_org

    def _joined(self, rng: random.Random) -> datetime:
        return JOINED_FROM + timedelta(seconds=rng.randrange(JOINED_SPAN_SECONDS))

    def _member(self, rng: random.Random, primary_index: int) -> MemberSpec:
        primary = self.organizations[primary_index]
        role = _ROLE_CHOICE[primary.kind](rng)
        stage = _STAGE_CHOICE.get(role, _DEFAULT_STAGE)(rng)
        specialties = self._specialties(rng, role)
        specialty = specialties[0] if specialties else ""
        first, last, name_language = self.names.person(rng)
        handle = self._handle(first, last)
        credentials = self._credentials(rng, role, specialty)
        display_name = f"{first} {last}, {credentials}" if credentials else f"{first} {last}"
        title = self._title(rng, role, stage, specialty, primary.kind)
        goals, interests = self._tags(rng, stage, specialties)
        affiliations, past = self._affiliations(
            rng, role=role, stage=stage, primary=primary, specialty=specialty, title=title
        )
        if rng.random() < 0.85:
            city, region, country = primary.city, primary.region, primary.country
        else:
            city, region, country, _ = self.cities(rng)
        joined = self._joined(rng)
        npi: str | None = None
        npi_verified = False
        if country == "United States" and rng.random() < NPI_ROLES.get(role, 0.0):
            npi = self._npi(rng)
            npi_verified = rng.random() < 0.35
        phone = ""
        if country == "United States" and rng.random() < 0.25:
            phone = f"+1 {rng.randint(201, 989)} 555 01{rng.randrange(100):02d}"
        open_to = tuple(flag for flag, odds in OPEN_TO.items() if rng.random() < odds[stage])
        if role == "researcher" and "open_to_collaboration" not in open_to and rng.random() < 0.5:
            open_to = (*open_to, "open_to_collaboration")
        return MemberSpec(
            email=f"{handle}@{MEMBER_EMAIL_DOMAIN}",
            handle=handle,
            display_name=display_name[:120],
            headline=self._headline(
                rng,
                role=role,
                title=title,
                specialty=specialty,
                org=primary,
                interests=interests,
            )
            if rng.random() < 0.95
            else "",
            bio=self._bio(
                rng,
                role=role,
                stage=stage,
                org=primary,
                interests=interests,
                goals=goals,
                past=past,
            ),
            role=role,
            career_stage=stage,
            specialties=specialties,
            goals=tuple(goals),
            interests=tuple(interests),
            languages=self._languages(rng, name_language, city),
            city=city,
            region=region,
            country=country,
            location_visibility=_LOCATION_VISIBILITY(rng),
            phone=phone,
            phone_visibility=_PHONE_VISIBILITY(rng) if phone else "nobody",
            email_visibility=_EMAIL_VISIBILITY(rng),
            visibility="public" if rng.random() < 0.35 else "members",
            open_to=open_to,
            npi=npi,
            npi_verified=npi_verified,
            affiliations=tuple(affiliations),
            joined=joined,
        )

    def staff_member(self) -> MemberSpec:
        """The site staff account (verifies NPIs, moderates). No affiliations."""
        return MemberSpec(
            email=STAFF_EMAIL,
            handle=STAFF_HANDLE,
            display_name="Sam Okafor (Rounds team)",
            headline="Community team at Rounds · NPI verification and moderation",
            bio="I look after the Rounds community: verifying NPIs, answering questions and keeping groups professional.",
            role="administrator",
            career_stage="na",
            specialties=(),
            goals=(),
            interests=("healthcare-management",),
            languages=("en",),
            city="Chicago",
            region="IL",
            country="United States",
            location_visibility="members",
            phone="",
            phone_visibility="nobody",
            email_visibility="members",
            visibility="members",
            open_to=(),
            npi=None,
            npi_verified=False,
            affiliations=(),
            joined=JOINED_FROM,
            password="staff",
            is_staff=True,
        )

    def demo_member(self) -> MemberSpec:
        """The demo account: a complete mid-career hospitalist profile at the largest hospital."""
        rng = random.Random(f"{self.seed}:demo")
        hospitals = [self.organizations[i] for i in self.workplaces_by_kind.get("hospital", [])]
        hospital = max(hospitals, key=lambda o: o.weight)
        schools = self.academic_by_city.get(hospital.city) or self.workplaces_by_kind.get(
            "medical_school", []
        )
        others = [h for h in hospitals if h.index != hospital.index] or [hospital]
        residency = rng.choice(others)
        affiliations = [
            AffiliationSpec(
                hospital.index,
                "Hospital Medicine",
                "Hospitalist and Associate Program Director",
                date(2019, 7, 1),
                None,
                True,
            )
        ]
        if schools:
            affiliations.append(
                AffiliationSpec(
                    schools[0],
                    "Internal Medicine",
                    "Associate Professor of Medicine",
                    date(2021, 7, 1),
                    None,
                    True,
                )
            )
        society = self.society_for_family.get("internal-medicine")
        if society is not None:
            affiliations.append(
                AffiliationSpec(society, "", "Fellow", date(2018, 1, 15), None, True)
            )
        affiliations.append(
            AffiliationSpec(
                residency.index,
                "Internal Medicine",
                "Resident Physician",
                date(2013, 6, 24),
                date(2016, 6, 30),
                False,
            )
        )
        return MemberSpec(
            email=DEMO_EMAIL,
            handle=DEMO_HANDLE,
            display_name="Jordan Avery, MD",
            headline=f"Hospitalist and clinical educator at {hospital.name}"[:160],
            bio=(
                f"I care for patients on the medicine wards at {hospital.name} in {hospital.city} "
                "and help run our internal medicine residency. My interests are patient safety, "
                "point-of-care ultrasound and making handoffs less error-prone. Happy to mentor "
                "residents thinking about hospital medicine or medical education — and always "
                "looking for collaborators on quality improvement projects."
            ),
            role="physician",
            career_stage="mid",
            specialties=("hospital-medicine", "medical-education"),
            goals=("leadership", "mentor-others", "public-speaking", "quality-improvement"),
            interests=(
                "patient-safety",
                "point-of-care-ultrasound",
                "medical-education",
                "wellness-and-burnout",
            ),
            languages=("en", "es"),
            city=hospital.city,
            region=hospital.region,
            country=hospital.country,
            location_visibility="public",
            phone="+1 617 555 0142",
            phone_visibility="connections",
            email_visibility="members",
            visibility="public",
            open_to=("open_to_mentoring", "open_to_speaking", "open_to_collaboration"),
            npi=self._npi(rng),
            npi_verified=True,
            affiliations=tuple(affiliations),
            joined=JOINED_FROM + timedelta(days=3),
            password="demo",
        )

    def members(self) -> Iterator[MemberSpec]:
        """Staff, demo, then ``size`` generated members, in a fixed order."""
        if self._consumed:
            raise RuntimeError("members() can be iterated once per generator.")
        self._consumed = True
        yield self.staff_member()
        yield self.demo_member()
        rng = random.Random(f"{self.seed}:members")
        for primary in self.primary_assignments(rng):
            yield self._member(rng, primary)


_PHYSICIAN_FAMILY = WeightedChoice.of(words.PHYSICIAN_FAMILIES)
_PA_FAMILY = WeightedChoice.of(words.PA_FAMILIES)
_NP_FAMILY = WeightedChoice.of(words.NP_FAMILIES)
_ALLIED = WeightedChoice.of(words.ALLIED_SPECIALTIES)
_EXTRA_LANGUAGE = WeightedChoice.of(words.EXTRA_LANGUAGES)
_ROLE_CHOICE = {kind: WeightedChoice.of(roles) for kind, roles in KIND_ROLES.items()}
_STAGE_CHOICE = {role: WeightedChoice.of(stages) for role, stages in ROLE_STAGES.items()}
_DEFAULT_STAGE = WeightedChoice.of(DEFAULT_STAGES)
_INTEREST_CHOICE = WeightedChoice(
    [str(i["slug"]) for i in load("interests")], [1.0] * len(load("interests"))
)
_LOCATION_VISIBILITY = WeightedChoice.of(
    {"public": 30, "members": 55, "connections": 10, "nobody": 5}
)
_PHONE_VISIBILITY = WeightedChoice.of({"nobody": 70, "connections": 20, "members": 10})
_EMAIL_VISIBILITY = WeightedChoice.of({"nobody": 80, "members": 12, "connections": 8})


def _reserved_handles() -> frozenset[str]:
    from ..services import RESERVED_HANDLES

    return RESERVED_HANDLES
