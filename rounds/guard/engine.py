"""``check()``: run every recognizer over one text and apply the policy.

Order of work for one text:

1. candidates — Presidio (SSN, e-mail, phone, MBI) and our own recognizers (MRN, health plan,
   account, licence, device, vehicle, dates, ages, addresses, ZIP codes, names);
2. drop what is not a patient's: anything inside a URL, the author's own phone / e-mail / NPI,
   the author's and colleagues' names; resolve overlaps (one identifier per stretch of text);
3. patient-context scoring and the policy (block / warn / nothing) for each candidate;
4. the member's own oversharing (address, phone, e-mail near first-person cues; travel; school)
   for contact details that are not a patient's;
5. offensive content.

Deterministic and offline; the text is neither logged nor stored.
"""

from __future__ import annotations

import re

from . import offensive, oversharing, policy, presidio_backend
from .context import DEFAULT_CONTEXT, GuardContext
from .patient_context import PatientContext
from .recognizers import FALLBACKS, OWN, Candidate, labelled_before, url_spans
from .report import Finding, GuardReport

_DIGITS = re.compile(r"\D")


def _digits(value: str) -> str:
    digits = _DIGITS.sub("", value)
    return digits[-10:] if len(digits) > 10 else digits


def _name_keys(names: tuple[str, ...]) -> set[str]:
    keys: set[str] = set()
    for name in names:
        words = [w.strip(".,").lower() for w in name.split() if w.strip(".,")]
        words = [w for w in words if w not in ("dr", "prof", "md", "do")]
        if words:
            keys.add(" ".join(words))
            if len(words) > 1:
                keys.add(words[-1])
    return keys


#: Where the candidates for SSNs, e-mail addresses, phone numbers and MBIs come from: "own"
#: (our patterns in ``recognizers``), "presidio" (Presidio's analyzer, ``presidio_backend``)
#: or both. Measured with ``evaluate.py --compare`` (numbers in README.md): Presidio adds no
#: recall and no precision on the corpus for any of the four, misses phone numbers with
#: unassigned area codes, and costs 1–8 ms per 3,000-character text plus 1.3–2.4 s and
#: ≈90 MB per process to load spaCy. So ``check()`` uses our patterns; Presidio stays wired,
#: tested offline, and one argument away for re-measuring.
OWN_ONLY: dict[str, frozenset[str]] = {
    kind: frozenset({"own"}) for kind in ("ssn", "email", "phone", "mbi")
}
PRESIDIO: dict[str, frozenset[str]] = {kind: frozenset({"presidio"}) for kind in OWN_ONLY}
PRESIDIO_AND_OWN: dict[str, frozenset[str]] = {
    kind: frozenset({"presidio", "own"}) for kind in OWN_ONLY
}
DEFAULT_SOURCES = OWN_ONLY


def _candidates(text: str, sources: dict[str, frozenset[str]]) -> list[Candidate]:
    found: list[Candidate] = []
    presidio_kinds = {kind for kind, where in sources.items() if "presidio" in where}
    if presidio_kinds:
        for candidate in presidio_backend.analyze(text, presidio_kinds):
            labelled = labelled_before(candidate.kind, text, candidate.start)
            if candidate.kind == "ssn" and candidate.confidence < 0.5 and not labelled:
                continue  # bare nine-digit numbers are SSNs only when labelled
            found.append(
                Candidate(
                    candidate.kind,
                    candidate.start,
                    candidate.end,
                    candidate.confidence,
                    labelled,
                    "presidio",
                )
            )
    for kind, where in sources.items():
        if "own" in where:
            found.extend(FALLBACKS[kind](text))
    for recognize in OWN:
        found.extend(recognize(text))
    return found


def _is_authors(
    text: str, candidate: Candidate, context: GuardContext, name_keys: set[str]
) -> bool:
    value = text[candidate.start : candidate.end]
    if candidate.kind in ("phone", "fax"):
        digits = _digits(value)
        return any(digits and digits == _digits(p) for p in context.author_phones)
    if candidate.kind == "email":
        return value.lower() in {e.lower() for e in context.author_emails}
    if context.author_npi and _digits(value) == _digits(context.author_npi):
        return True
    if candidate.kind == "name":
        keys = name_keys
        words = [w.strip(".,").lower() for w in value.split()]
        words = [w for w in words if w not in ("mr", "mrs", "ms", "miss", "mx")]
        return " ".join(words) in keys or (bool(words) and words[-1] in keys)
    return False


def _retype(text: str, candidate: Candidate) -> Candidate:
    """A phone number introduced as a fax number is a fax number."""
    if candidate.kind == "phone" and labelled_before("fax", text, candidate.start, window=45):
        return Candidate(
            "fax", candidate.start, candidate.end, candidate.confidence, True, candidate.source
        )
    return candidate


def analyze(
    text: str,
    context: GuardContext = DEFAULT_CONTEXT,
    *,
    sources: dict[str, frozenset[str]] | None = None,
) -> GuardReport:
    """The guard's report for ``text`` (see ``rounds.guard.check``).

    ``sources`` chooses Presidio or our own patterns for SSN, e-mail, phone and MBI
    candidates (``evaluate.py --compare`` measures the choices); the default is
    ``DEFAULT_SOURCES``.
    """
    if not text or not text.strip():
        return GuardReport()
    urls = url_spans(text)
    raw = [
        _retype(text, c)
        for c in _candidates(text, DEFAULT_SOURCES if sources is None else sources)
        if not any(s <= c.start and c.end <= e for s, e in urls)
    ]
    name_keys = _name_keys((context.author_name, *context.colleague_names))
    candidates = policy.resolve_overlaps(
        [c for c in raw if not _is_authors(text, c, context, name_keys)]
    )
    patient = PatientContext(text)

    findings: list[Finding] = []
    claimed: list[tuple[int, int]] = []
    not_patients: list[Candidate] = []
    for candidate in candidates:
        severity = policy.phi_severity(candidate, patient)
        if severity is None:
            not_patients.append(candidate)
            continue
        findings.append(policy.phi_finding(text, candidate, severity))
        claimed.append((candidate.start, candidate.end))

    for overshared in (
        *oversharing.addresses(text, not_patients),
        *oversharing.phones(text, not_patients),
        *oversharing.emails(text, not_patients),
        *oversharing.travel(text),
        *oversharing.children_school(text),
    ):
        findings.append(
            policy.oversharing_finding(text, overshared.rule, overshared.start, overshared.end)
        )

    seen: set[tuple[str, int, int]] = set()
    for match in offensive.find(text):
        key = (match.rule, match.start, match.end)
        if key in seen:
            continue
        seen.add(key)
        findings.append(policy.offensive_finding(text, match.rule, match.start, match.end))

    findings.sort(key=lambda f: (f.start, f.end, f.category, f.rule))
    return GuardReport(tuple(findings))


def warm_up() -> None:
    """Load Presidio and the word list now (a web worker can call this at start-up)."""
    if any("presidio" in where for where in DEFAULT_SOURCES.values()):
        presidio_backend.analyzer()
    offensive.lexicon()
