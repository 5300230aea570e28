"""Patient-context scoring: how strongly does this part of the text talk about a patient?

An identifier (a date, a phone number, a name) is patient information only when it belongs to a
patient. Presidio's context words need an NLP engine's tokens; the guard runs Presidio with the
no-op engine (no model), so context is scored here instead, once per text:

* **patient cues** ("pt", "my patient", "y/o", "67M", "admitted", "presented", "DOB", "bed 12",
  "his wife", "MRN", …) each carry a weight;
* a span's **local score** is the strongest cue near it, fading with distance and stopping at
  paragraph breaks;
* the **text score** says whether the whole text is a case discussion (several distinct cues);
* **professional cues** ("grand rounds", "CME", "register", "our office", "journal", "hiring",
  "my NPI", …) near a contact detail say it is the author's or an institution's, not a
  patient's.

Scores are in [0, 1]. Pure functions of the text; nothing is stored.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from ._words import words

_I = re.IGNORECASE

#: Nouns after "patient" that make it an adjective ("patient safety week"): not a patient.
ADJECTIVAL_NOUNS = words(
    """
    safety experience care portal advocate advocates advocacy education satisfaction services
    relations access engagement outcomes flow centered week day council committee forum voices
    stories rights navigator navigators transport registration population volume volumes
    """
)

#: Single words that point at a patient, with their weights (lower-cased).
WORD_CUES: dict[str, float] = {
    "patient": 0.6,
    "patients": 0.6,
    "patient's": 0.9,
    "patient’s": 0.9,
    "pt": 0.9,
    "pts": 0.9,
    "pt's": 0.9,
    "pt’s": 0.9,
    "dob": 1.0,
    "mrn": 1.0,
    "chart": 1.0,
    "admitted": 0.7,
    "admission": 0.7,
    "readmitted": 0.7,
    "presented": 0.6,
    "presenting": 0.6,
    "presents": 0.6,
    "discharge": 0.6,
    "discharged": 0.6,
    "ama": 0.6,
    "died": 0.7,
    "expired": 0.7,
    "coded": 0.7,
    "transferred": 0.6,
    "diagnosed": 0.6,
    "dx": 0.6,
    "hx": 0.6,
    "pmh": 0.6,
    "hpi": 0.6,
    "family": 0.4,
    "daughter": 0.4,
    "son": 0.4,
    "wife": 0.4,
    "husband": 0.4,
    "proxy": 0.4,
    "caregiver": 0.4,
    "ward": 0.35,
    "floor": 0.35,
    "unit": 0.35,
    "hospice": 0.35,
    "insurance": 0.5,
    "medicare": 0.5,
    "medicaid": 0.5,
    "billing": 0.5,
    "registration": 0.5,
    "lives": 0.4,
    "living": 0.4,
    "resides": 0.4,
    "residing": 0.4,
    "man": 0.3,
    "woman": 0.3,
    "gentleman": 0.3,
    "lady": 0.3,
    "boy": 0.3,
    "girl": 0.3,
    "male": 0.3,
    "female": 0.3,
}
#: Upper-case abbreviations that are cues only when written in capitals.
CAPS_CUES: dict[str, float] = {
    "ED": 0.35,
    "ER": 0.35,
    "ICU": 0.35,
    "MICU": 0.35,
    "CCU": 0.35,
    "SNF": 0.35,
}
#: Two-word cues.
PAIR_CUES: dict[tuple[str, str], float] = {
    ("passed", "away"): 0.7,
    ("went", "home"): 0.6,
    ("came", "in"): 0.6,
    ("brought", "in"): 0.6,
    ("found", "down"): 0.6,
    ("medical", "record"): 1.0,
    ("med", "rec"): 1.0,
    ("birth", "date"): 1.0,
    ("chief", "complaint"): 0.6,
    ("nursing", "home"): 0.35,
    ("prior", "auth"): 0.5,
    ("left", "ama"): 0.6,
}
#: "date of birth", "date of death", "next of kin".
TRIPLE_CUES: dict[tuple[str, str, str], float] = {
    ("date", "of", "birth"): 1.0,
    ("date", "of", "death"): 0.7,
    ("next", "of", "kin"): 0.4,
}
_OWNERS = frozenset({"my", "our", "the", "this", "a", "her", "his", "your"})
_RELATIVES = words(
    """
    wife husband daughter son mother father family proxy caregiver partner sister brother kid
    kids children
    """
)

#: Cues that need their digits or punctuation (regular expressions, always run).
_PATTERN_CUES: tuple[tuple[str, float, int], ...] = (
    (r"\b\d{1,3}\s?(?:y/?o|yo|yrs?\s?old|years?[- ]old|year[- ]old)\b", 0.9, _I),
    (r"\b\d{1,3}\s?-?(?:M|F|yo[MF]|y/o\s?[MF])\b", 0.9, 0),
    (r"\bD\.O\.B\b|\b(?:s/p|c/o)\b", 0.8, _I),
)
#: "bed 12", "room 4B", "rm #7": where a patient is.
_PLACE_WORDS = frozenset({"bed", "rm", "room"})
_PLACE_NUMBER_RE = re.compile(r"\s*#?\s*\d{1,4}[A-Z]?\b")
#: A measured value of one person: "INR 4.6", "Hgb 6.8", "troponin 0.42", "K 6.2".
LAB_WORDS = words(
    """
    INR Hgb Hb troponin Troponin lactate Lactate BNP WBC Cr creatinine Creatinine glucose
    Glucose K Na A1c HbA1c SpO2 BP HR RR
    """
)
_VALUE_RE = re.compile(r"\s*(?:of\s+)?\d")
#: A person named formally ("Mrs. Alvarez"): in a clinician's post, usually a patient.
_HONORIFICS = frozenset({"Mr", "Mrs", "Ms", "Miss"})
_NAME_AFTER_RE = re.compile(r"\.?\s+[A-Z][a-z]")

#: Words and pairs that mark institutional or the author's own professional details.
PROFESSIONAL_WORDS = words(
    """
    conference symposium workshop webinar register rsvp journal doi published hiring recruiting
    recruiter recruitment apply position cv npi office hotline helpline coordinator referral
    referrals credit credits venue parking volunteer volunteering meeting lecture seminar cme
    """
)
PROFESSIONAL_PAIRS = frozenset(
    {
        ("grand", "rounds"),
        ("front", "desk"),
        ("my", "office"),
        ("my", "clinic"),
        ("my", "work"),
        ("our", "office"),
        ("our", "clinic"),
        ("our", "practice"),
        ("our", "program"),
        ("our", "department"),
        ("program", "office"),
    }
)


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int
    end: int
    weight: float


_PATTERN_RE = tuple((re.compile(p, f), w) for p, w, f in _PATTERN_CUES)
_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’]s\b)?")
_PARAGRAPH_RE = re.compile(r"\n\s*\n")

#: Within this many characters a cue counts fully; it fades out by ``_FADE_TO``.
_NEAR = 80
_FADE_TO = 260


def _word_cues(text: str) -> tuple[list[_Cue], list[int]]:
    """Patient cues and professional-cue positions found in one pass over the words."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
    lowered = [t[0].lower() for t in tokens]
    cues: list[_Cue] = []
    professional: list[int] = []
    count = len(tokens)
    for index, word in enumerate(lowered):
        original, start, end = tokens[index]
        if original in LAB_WORDS and _VALUE_RE.match(text, end):
            cues.append(_Cue(start, end, 0.6))
        elif original in _HONORIFICS and _NAME_AFTER_RE.match(text, end):
            cues.append(_Cue(start, end, 0.5))
        elif word in _PLACE_WORDS:
            place = _PLACE_NUMBER_RE.match(text, end)
            if place:
                cues.append(_Cue(start, place.end(), 0.6))
        following = lowered[index + 1] if index + 1 < count else ""
        if word in PROFESSIONAL_WORDS or (word, following) in PROFESSIONAL_PAIRS:
            professional.append(start)
        if word in ("patient", "patients", "pt", "pts"):
            if following in ADJECTIVAL_NOUNS:
                continue
            owned = index > 0 and (
                lowered[index - 1] in _OWNERS or (index > 1 and lowered[index - 2] in _OWNERS)
            )
            if owned:
                cues.append(_Cue(tokens[index - 1][1], end, 1.0))
                continue
        weight = WORD_CUES.get(word)
        if weight is None:
            weight = CAPS_CUES.get(tokens[index][0])
        if weight is not None:
            cues.append(_Cue(start, end, weight))
        if following:
            pair = PAIR_CUES.get((word, following))
            if pair is not None:
                cues.append(_Cue(start, tokens[index + 1][2], pair))
            if word in ("his", "her", "their") and following in _RELATIVES:
                cues.append(_Cue(start, tokens[index + 1][2], 0.7))
            if index + 2 < count:
                triple = TRIPLE_CUES.get((word, following, lowered[index + 2]))
                if triple is not None:
                    cues.append(_Cue(start, tokens[index + 2][2], triple))
    return cues, professional


class PatientContext:
    """Patient-context scores for one text (build once per ``check``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        cues, professional = _word_cues(text)
        for pattern, weight in _PATTERN_RE:
            cues.extend(_Cue(m.start(), m.end(), weight) for m in pattern.finditer(text))
        cues.sort(key=lambda c: c.start)
        self._cues = cues
        self._cue_starts = [c.start for c in cues]
        self._professional = professional
        self._paragraph_breaks = [m.start() for m in _PARAGRAPH_RE.finditer(text)]
        distinct: dict[str, float] = {}
        for cue in cues:
            key = text[cue.start : cue.end].lower()
            distinct[key] = max(distinct.get(key, 0.0), cue.weight)
        strongest = sorted(distinct.values(), reverse=True)[:3]
        self.text_score = min(1.0, sum(strongest) / 2.0)

    def _paragraph(self, position: int) -> tuple[int, int]:
        index = bisect_right(self._paragraph_breaks, position)
        start = self._paragraph_breaks[index - 1] if index > 0 else 0
        end = (
            self._paragraph_breaks[index] if index < len(self._paragraph_breaks) else len(self.text)
        )
        return start, end

    def local(self, start: int, end: int, *, exclude: tuple[int, int] | None = None) -> float:
        """Strongest patient cue near ``text[start:end]`` (same paragraph), fading with distance.

        ``exclude`` ignores cues inside that span (e.g. the label that introduced the value).
        """
        para_start, para_end = self._paragraph(start)
        low = max(para_start, start - _FADE_TO)
        high = min(para_end, end + _FADE_TO)
        best = 0.0
        first = bisect_left(self._cue_starts, low - 40)
        for cue in self._cues[first:]:
            if cue.start > high:
                break
            if cue.end < low:
                continue
            if exclude and cue.start >= exclude[0] and cue.end <= exclude[1]:
                continue
            if cue.start <= end and cue.end >= start:
                distance = 0
            elif cue.end <= start:
                distance = start - cue.end
            else:
                distance = cue.start - end
            if distance <= _NEAR:
                factor = 1.0
            else:
                factor = max(0.0, 1.0 - 0.5 * (distance - _NEAR) / (_FADE_TO - _NEAR))
            best = max(best, cue.weight * factor)
        return best

    def score(self, start: int, end: int) -> float:
        """Patient context of a span: local cues, or the whole text being a case discussion."""
        return min(1.0, max(self.local(start, end), 0.6 * self.text_score))

    def professional_near(self, start: int, end: int, window: int = 90) -> bool:
        """Is there a professional/institutional cue within ``window`` characters?"""
        low, high = start - window, end + window
        index = bisect_left(self._professional, low)
        return index < len(self._professional) and self._professional[index] <= high
