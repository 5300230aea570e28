"""Oversharing: the author's own personal details that strangers could misuse.

Home address, personal phone, personal e-mail, travel plans with dates while the home stands
empty, and where their children go to school. Always warnings: the member may share these on
purpose, but should do it knowing who will see them. The member's office phone and work
e-mail (``GuardContext.author_phones``/``author_emails``) are never oversharing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .recognizers import DATE_RE, Candidate, is_toll_free

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class OversharingMatch:
    rule: str  # home_address | personal_phone | personal_email | travel | children_school
    start: int
    end: int


_HOME_CUE = re.compile(
    r"\b(?:my|our)\s+(?:new\s+)?(?:home|house|place|apartment|apt|condo|flat|address|"
    r"home\s+address)\b|\b(?:I|we)\s+live\b|\b(?:I'm|I\s+am|we're|we\s+are)\s+at\b|"
    r"\bhousewarming\b|\bto\s+my\s+house\b|\bdrop\s+by\b",
    _I,
)
_PERSONAL_PHONE_CUE = re.compile(
    r"\bmy\s+(?:new\s+)?(?:personal\s+)?(?:cell|mobile|cellphone|cell\s+phone|personal|home|"
    r"private)(?:\s+(?:number|phone|#|no\.?))?\b|\bpersonal\s+(?:cell|number|phone|line)\b|"
    r"\btext\s+me\b|\b(?:call|reach)\s+me\s+at\s+home\b|\bat\s+home\s+at\b|\bwhats\s?app\b|"
    r"\bnew\s+cell\s+number\b",
    _I,
)
_PERSONAL_EMAIL_CUE = re.compile(
    r"\bpersonal\b|\bhome\s+e-?mail\b|\bmy\s+(?:gmail|yahoo|hotmail|icloud|outlook|aol)\b|"
    r"\bnon-work\b|\bprivate\s+e-?mail\b",
    _I,
)
_FREE_MAIL = re.compile(
    r"@(?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud|me|aol|comcast|verizon|att|msn|"
    r"proton(?:mail)?)\.",
    _I,
)
_FIRST_PERSON_CONTACT = re.compile(
    r"\b(?:e-?mail\s+me|reach\s+(?:out|me)|my\s+e-?mail|send\s+me)\b", _I
)
_TRAVEL_CUE = re.compile(
    r"\b(?:off\s+to|heading\s+to|leaving\s+for|flying\s+to|we'll\s+be\s+in|we\s+will\s+be\s+in|"
    r"out\s+of\s+(?:the\s+)?(?:country|town)|away\s+from\s+home|on\s+vacation|vacation|"
    r"holiday|cruise|trip|honeymoon|sabbatical)\b",
    _I,
)
_EMPTY_HOME_CUE = re.compile(
    r"\b(?:house|home|place|apartment)\s+(?:will\s+be\s+|is\s+|'s\s+|stays\s+)?"
    r"(?:empty|vacant|unattended|all\s+locked\s+up|locked\s+up)\b|"
    r"\b(?:nobody|no\s+one|noone)(?:'s|\s+is|\s+will\s+be)?\s+(?:home|there|at\s+home)\b|"
    r"\bnobody\s+home\b|\baway\s+from\s+home\b|\bwhole\s+family\b|\bwith\s+the\s+(?:kids|family)\b|"
    r"\bnobody'?s\s+there\b",
    _I,
)
_CHILD = (
    r"(?:my|our)\s+(?:\w+\s+)?(?:kids?|son|sons|daughter|daughters|children|child|twins|boy|"
    r"girl|youngest|oldest|eldest|stepson|stepdaughter)(?:'s|’s)?"
)
_SCHOOL_NAME = (
    r"(?:[A-Z][\w.'’-]*\s+){1,3}(?:Elementary|Middle\s+School|High\s+School|High|Academy|"
    r"School|Preschool|Pre-K|Montessori|Kindergarten|Day\s+School|Prep|Primary)\b"
)
_CHILD_SCHOOL_RE = re.compile(
    rf"\b{_CHILD}\b[^.!?\n]{{0,80}}?\b{_SCHOOL_NAME}|\b{_SCHOOL_NAME}[^.!?\n]{{0,60}}?\b{_CHILD}\b|"
    rf"\b(?-i:{_SCHOOL_NAME})[^.!?\n]{{0,40}}?\b(?:if\s+anyone's\s+kids|any\s+parents)\b",
    _I,
)
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


def _near(pattern: re.Pattern[str], text: str, start: int, end: int, window: int) -> bool:
    return pattern.search(text[max(0, start - window) : min(len(text), end + window)]) is not None


def addresses(text: str, candidates: list[Candidate]) -> list[OversharingMatch]:
    return [
        OversharingMatch("home_address", c.start, c.end)
        for c in candidates
        if c.kind == "address" and _near(_HOME_CUE, text, c.start, c.end, 70)
    ]


def phones(text: str, candidates: list[Candidate]) -> list[OversharingMatch]:
    return [
        OversharingMatch("personal_phone", c.start, c.end)
        for c in candidates
        if c.kind == "phone"
        and not is_toll_free(text[c.start : c.end])
        and _near(_PERSONAL_PHONE_CUE, text, c.start, c.end, 60)
    ]


def emails(text: str, candidates: list[Candidate]) -> list[OversharingMatch]:
    found = []
    for c in candidates:
        if c.kind != "email":
            continue
        address = text[c.start : c.end]
        personal = _near(_PERSONAL_EMAIL_CUE, text, c.start, c.end, 60)
        free_and_mine = _FREE_MAIL.search(address) and _near(
            _FIRST_PERSON_CONTACT, text, c.start, c.end, 50
        )
        if personal or free_and_mine:
            found.append(OversharingMatch("personal_email", c.start, c.end))
    return found


def travel(text: str) -> list[OversharingMatch]:
    """A trip with dates while the home is empty (both in the same sentence or the next)."""
    found = []
    sentences = list(_SENTENCE_RE.finditer(text))
    for index, sentence in enumerate(sentences):
        body = sentence.group()
        if not _TRAVEL_CUE.search(body) or not DATE_RE.search(body):
            continue
        following = sentences[index + 1].group() if index + 1 < len(sentences) else ""
        if _EMPTY_HOME_CUE.search(body) or _EMPTY_HOME_CUE.search(following):
            stripped = body.strip()
            start = sentence.start() + body.index(stripped)
            found.append(OversharingMatch("travel", start, start + len(stripped)))
    return found


_SCHOOL_WORDS = re.compile(
    r"elementary|school|academy|high|preschool|pre-k|montessori|kindergarten|prep|primary", _I
)
_CHILD_WORDS = re.compile(
    r"\b(?:kids?|sons?|daughters?|child(?:ren)?|twins|boy|girl|youngest|oldest|eldest|"
    r"stepson|stepdaughter|parents)\b",
    _I,
)


def children_school(text: str) -> list[OversharingMatch]:
    found: list[OversharingMatch] = []
    if not _SCHOOL_WORDS.search(text) or not _CHILD_WORDS.search(text):
        return found
    # Only paragraphs that name both a child and a school are searched in full.
    for paragraph in re.finditer(r"[^\n]+", text):
        body = paragraph.group()
        if not _SCHOOL_WORDS.search(body) or not _CHILD_WORDS.search(body):
            continue
        offset = paragraph.start()
        found.extend(
            OversharingMatch("children_school", offset + m.start(), offset + m.end())
            for m in _CHILD_SCHOOL_RE.finditer(body)
        )
    return found
