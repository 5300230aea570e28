"""Who to meet at an event: pure scoring of the other attendees against a member's goal.

No Django here: ``selectors_prepare.who_to_meet_for`` loads the member (``Seeker``) and the
attendees they may see (``Attendee``) in a bounded number of queries and calls ``rank``.

What counts, and the reason shown for it (most useful first):

- the member's **goal tags** for this event among the attendee's profile goals ("Also works on
  Quality improvement") or interests ("Interested in Quality improvement");
- **words of the goal text** found in the attendee's headline, specialties, goals or interests
  ("Their profile mentions “sepsis”, “research”");
- the member's own **profile**: shared specialties ("Cardiology, like you"), shared goals and
  interests (weaker: they were not chosen for this event);
- **strategic** value: an attendee outside the member's organizations ("Outside your
  organization — a strategic contact"); colleagues from the same organization are marked
  ("Also at St. Mary's"), as are existing connections ("Already a connection"), which rank
  below new people of the same fit.

Scores are deterministic; ties break by the attendee's id.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: Weights (documented in the module docstring; tests pin the order they produce).
GOAL_TAG_AS_GOAL = 3.0
GOAL_TAG_AS_INTEREST = 2.0
GOAL_WORD = 1.5
MAX_GOAL_WORDS_COUNTED = 3
SHARED_SPECIALTY = 1.0
MAX_SPECIALTIES_COUNTED = 2
SHARED_PROFILE_GOAL = 0.8
SHARED_INTEREST = 0.6
MAX_TAGS_COUNTED = 3
OUTSIDE_ORGANIZATION = 1.0
ALREADY_CONNECTED = -0.5

#: At most this many reasons are shown per attendee.
MAX_REASONS = 4

#: Words that say nothing about fit (English function words and generic goal phrasing).
_STOPWORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves
meet meeting people person persons someone somebody anyone one two three four five want wants
like talk talking learn learning find finding get getting make making new good great event
events conference today work working interested interest colleague colleagues others
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


def _fold(text: str) -> str:
    """Lower-case without accents (so "Pédiatrie" meets "pediatrie")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    """A deliberately small stemmer: plurals, then "-ing" and "-er", so "trials" meets
    "trial", "researchers" meets "research" and "teaching" meets "teacher"."""
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "is", "us")) and len(word) > 3:
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 7:
        return word[:-3]
    if word.endswith("er") and len(word) >= 7:
        return word[:-2]
    return word


@functools.lru_cache(maxsize=8192)
def words(text: str) -> frozenset[str]:
    """The meaningful words of ``text``: folded, stemmed, at least three letters, no
    stopwords. Hyphenated words count whole and by their parts."""
    found: set[str] = set()
    for match in _WORD_RE.finditer(_fold(text or "")):
        token = match.group(0).replace("'", "")
        parts = [token, *token.split("-")] if "-" in token else [token]
        for part in parts:
            if len(part) >= 3 and part not in STOPWORDS:
                found.add(_stem(part))
    return frozenset(found)


def display_words(text: str) -> dict[str, str]:
    """Stem → the word as the member wrote it (first occurrence), for reasons."""
    shown: dict[str, str] = {}
    for match in _WORD_RE.finditer(text or ""):
        raw = match.group(0)
        for stem in words(raw):
            shown.setdefault(stem, raw.lower())
    return shown


@dataclass(frozen=True)
class Seeker:
    """The member preparing: their goal for this event and their profile."""

    user_id: int
    goal: str = ""
    goal_tags: frozenset[int] = frozenset()
    specialties: frozenset[int] = frozenset()
    goals: frozenset[int] = frozenset()
    interests: frozenset[int] = frozenset()
    organizations: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Attendee:
    """Another attendee the seeker may see, with the profile facts that can match."""

    user_id: int
    headline: str = ""
    specialties: frozenset[int] = frozenset()
    goals: frozenset[int] = frozenset()
    interests: frozenset[int] = frozenset()
    organizations: frozenset[int] = frozenset()
    connected: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """Names of the tags involved, by id (goal tags are profile Goals; the same slug may exist
    as an Interest, matched by ``interest_for_goal``)."""

    goals: Mapping[int, str] = field(default_factory=dict)
    interests: Mapping[int, str] = field(default_factory=dict)
    specialties: Mapping[int, str] = field(default_factory=dict)
    organizations: Mapping[int, str] = field(default_factory=dict)
    #: goal id → the interest id with the same slug ("quality-improvement" is both).
    interest_for_goal: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    user_id: int
    score: float
    reasons: tuple[str, ...]
    connected: bool
    #: Outside every organization of the seeker (only when the seeker has one).
    strategic: bool
    same_organization: bool


def _names(ids: Iterable[int], names: Mapping[int, str]) -> list[str]:
    return sorted(names[i] for i in ids if i in names)


def _quote_list(items: list[str]) -> str:
    quoted = [f"“{item}”" for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _attendee_words(attendee: Attendee, vocabulary: Vocabulary) -> set[str]:
    """The words of the attendee's headline and of their tags' names (each name's words are
    computed once: ``words`` is cached)."""
    found = set(words(attendee.headline))
    for ids, names in (
        (attendee.specialties, vocabulary.specialties),
        (attendee.goals, vocabulary.goals),
        (attendee.interests, vocabulary.interests),
    ):
        for tag_id in ids:
            name = names.get(tag_id)
            if name:
                found |= words(name)
    return found


def score_attendee(
    seeker: Seeker,
    attendee: Attendee,
    vocabulary: Vocabulary,
    *,
    goal_words: frozenset[str] | None = None,
    goal_display: Mapping[str, str] | None = None,
) -> Suggestion:
    """Score one attendee for ``seeker``, with the reasons in order of weight."""
    if goal_words is None:
        goal_words = words(seeker.goal)
    if goal_display is None:
        goal_display = display_words(seeker.goal)
    weighted: list[tuple[float, str]] = []
    score = 0.0

    # 1. The goal tags chosen for this event.
    tag_goals = seeker.goal_tags & attendee.goals
    for goal_id in sorted(tag_goals, key=lambda g: vocabulary.goals.get(g, "")):
        score += GOAL_TAG_AS_GOAL
        weighted.append((GOAL_TAG_AS_GOAL, f"Also works on {vocabulary.goals.get(goal_id, '')}"))
    for goal_id in sorted(seeker.goal_tags - tag_goals):
        interest = vocabulary.interest_for_goal.get(goal_id)
        if interest is not None and interest in attendee.interests:
            score += GOAL_TAG_AS_INTEREST
            weighted.append(
                (GOAL_TAG_AS_INTEREST, f"Interested in {vocabulary.interests.get(interest, '')}")
            )

    # 2. Words of the goal text in their profile.
    if goal_words:
        matched = sorted(goal_words & _attendee_words(attendee, vocabulary))
        if matched:
            counted = matched[:MAX_GOAL_WORDS_COUNTED]
            points = GOAL_WORD * len(counted)
            score += points
            shown = [goal_display.get(stem, stem) for stem in counted]
            weighted.append(
                (points, f"Their profile mentions {_quote_list(shown)}, from your goal")
            )

    # 3. The member's own profile.
    specialties = sorted(_names(seeker.specialties & attendee.specialties, vocabulary.specialties))[
        :MAX_SPECIALTIES_COUNTED
    ]
    if specialties:
        points = SHARED_SPECIALTY * len(specialties)
        score += points
        weighted.append((points, f"{' and '.join(specialties)}, like you"))
    shared_goals = _names((seeker.goals & attendee.goals) - tag_goals, vocabulary.goals)
    shared_goals = shared_goals[:MAX_TAGS_COUNTED]
    if shared_goals:
        points = SHARED_PROFILE_GOAL * len(shared_goals)
        score += points
        weighted.append((points, f"Shares your goal {shared_goals[0]}"))
    tag_interests = {
        vocabulary.interest_for_goal[g]
        for g in seeker.goal_tags
        if g in vocabulary.interest_for_goal
    }
    shared_interests = _names(
        (seeker.interests & attendee.interests) - tag_interests, vocabulary.interests
    )[:MAX_TAGS_COUNTED]
    if shared_interests:
        points = SHARED_INTEREST * len(shared_interests)
        score += points
        weighted.append((points, f"Also interested in {shared_interests[0]}"))

    # 4. Strategic or operational; already known.
    same_orgs = seeker.organizations & attendee.organizations
    strategic = bool(seeker.organizations) and not same_orgs
    if strategic:
        score += OUTSIDE_ORGANIZATION
        weighted.append((OUTSIDE_ORGANIZATION, "Outside your organization — a strategic contact"))
    elif same_orgs:
        org = _names(same_orgs, vocabulary.organizations)
        if org:
            weighted.append((0.0, f"Also at {org[0]}"))
    if attendee.connected:
        score += ALREADY_CONNECTED
        weighted.append((0.0, "Already a connection"))

    # Stable order: by weight, then as written above.
    order = sorted(range(len(weighted)), key=lambda i: (-weighted[i][0], i))
    reasons = tuple(weighted[i][1] for i in order)[:MAX_REASONS]
    return Suggestion(
        user_id=attendee.user_id,
        score=round(score, 4),
        reasons=reasons,
        connected=attendee.connected,
        strategic=strategic,
        same_organization=bool(same_orgs),
    )


def rank(
    seeker: Seeker,
    attendees: Iterable[Attendee],
    vocabulary: Vocabulary,
    *,
    limit: int | None = None,
) -> list[Suggestion]:
    """Every attendee but the seeker, best fit first (score, then id); ``limit`` keeps the
    best ones."""
    goal_words = words(seeker.goal)
    goal_display = display_words(seeker.goal)
    scored = [
        score_attendee(
            seeker, attendee, vocabulary, goal_words=goal_words, goal_display=goal_display
        )
        for attendee in attendees
        if attendee.user_id != seeker.user_id
    ]
    scored.sort(key=lambda s: (-s.score, s.user_id))
    return scored if limit is None else scored[:limit]
