"""The policy: which candidates become findings, how severe, and what the author is told.

* **block** — a high-confidence patient identifier: the shape is unambiguous or introduced by
  its own label (SSN, MRN, DOB, Medicare ID, "member ID …") *and* the text around it is about
  a patient. The author must edit before publishing.
* **warn** — everything else worth a second look (a weaker patient identifier, offensive
  content, oversharing). The author may publish anyway; the integration counts overrides.

Every finding carries an explanation (why it matters) and a suggestion (what to do instead).
"""

from __future__ import annotations

from bisect import bisect_left

from .patient_context import PatientContext
from .recognizers import Candidate, is_toll_free
from .report import Category, Finding, Severity

#: Priority when candidates overlap (earlier wins).
KIND_PRIORITY = (
    "ssn",
    "mbi",
    "mrn",
    "health_plan_id",
    "account",
    "licence",
    "device",
    "vehicle",
    "email",
    "fax",
    "phone",
    "dob",
    "death_date",
    "discharge_date",
    "admission_date",
    "age_over_89",
    "address",
    "zip",
    "name",
    "date",
)
_RANK = {kind: index for index, kind in enumerate(KIND_PRIORITY)}

_PHI_TEXT: dict[str, tuple[str, str]] = {
    "ssn": (
        "This looks like a Social Security number in a post about a patient. It is a HIPAA "
        "identifier and enough to steal someone's identity.",
        "Delete the number; it is never needed to discuss a case.",
    ),
    "mrn": (
        "A medical record number identifies the patient to anyone with chart access.",
        "Remove the MRN. Colleagues who need the chart can ask you privately through the EHR.",
    ),
    "mbi": (
        "This looks like a Medicare beneficiary identifier, which identifies the patient.",
        "Remove the Medicare number; describe the coverage problem without it.",
    ),
    "health_plan_id": (
        "A health plan member or policy number identifies the patient.",
        "Remove the ID; say which kind of plan it is if that matters.",
    ),
    "account": (
        "An account number tied to a patient identifies them.",
        "Remove the account number; billing can be discussed without it.",
    ),
    "licence": (
        "A driver's licence or similar certificate number identifies the patient.",
        "Remove the number.",
    ),
    "device": (
        "A device serial number can be traced back to the patient who has the device.",
        "Remove the serial number; name the device model if needed.",
    ),
    "vehicle": (
        "A licence plate or VIN can be traced back to the patient.",
        "Remove the plate or VIN.",
    ),
    "email": (
        "An e-mail address of a patient or their family identifies them.",
        "Remove the address; share contact details only through the patient's chart.",
    ),
    "phone": (
        "A phone number of a patient or their family identifies them.",
        "Remove the number; share contact details only through the patient's chart.",
    ),
    "fax": (
        "A fax number of a patient, their family or employer identifies them.",
        "Remove the fax number.",
    ),
    "dob": (
        "A date of birth is a HIPAA identifier; with a case description it can identify the "
        "patient.",
        'Give the age instead (or "90 or older").',
    ),
    "admission_date": (
        "Exact admission dates tied to a patient are HIPAA identifiers.",
        'Use relative time ("admitted last week", "hospital day 3") or just the year.',
    ),
    "discharge_date": (
        "Exact discharge dates tied to a patient are HIPAA identifiers.",
        'Use relative time ("discharged after 5 days") or just the year.',
    ),
    "death_date": (
        "The exact date of a patient's death can identify them and their family.",
        'Say "recently" or give only the year.',
    ),
    "date": (
        "An exact date next to patient details can identify the patient.",
        "Use relative time or just the year.",
    ),
    "age_over_89": (
        "Ages over 89 are rare enough to identify a patient; HIPAA groups them as 90 or older.",
        'Write "90 or older" (or "in their 90s").',
    ),
    "name": (
        "This looks like a patient's name. Even a surname with case details can identify them.",
        'Remove the name; use "my patient" or an age and sex ("a woman in her 60s").',
    ),
    "address": (
        "A street address tied to a patient identifies them.",
        'Remove the address; say "lives alone in a rural area" if it matters clinically.',
    ),
    "zip": (
        "A ZIP code tied to a patient narrows down who they are.",
        "Remove the ZIP code; name the region in general terms if it matters.",
    ),
}

_OFFENSIVE_TEXT: dict[str, tuple[str, str]] = {
    "profanity": (
        "Profanity reads as unprofessional to colleagues, and screenshots travel.",
        "Rephrase without it: say what frustrated you instead.",
    ),
    "slur": (
        "This word is a slur that demeans people for who they are.",
        "Remove it. Describe people only where relevant, and respectfully.",
    ),
    "sexual": (
        "Sexual content is out of place on a professional network and can be harassment.",
        "Remove it.",
    ),
    "harassment": (
        "This is aimed at a person and reads as harassment or a threat.",
        "Address the decision or the behaviour, not the person; raise it privately first.",
    ),
    "insult": (
        "This insults a whole group of colleagues or people.",
        "Make your point about the specific issue without generalising about a group.",
    ),
    "shouting": (
        "Writing in capitals reads as shouting and inflames the exchange.",
        "Use normal capitalisation and make the point calmly.",
    ),
}

_OVERSHARING_TEXT: dict[str, tuple[str, str]] = {
    "home_address": (
        "This looks like your home address: everyone who can see this can find where you live.",
        "Send it privately (a message) to the people who need it.",
    ),
    "personal_phone": (
        "This looks like your personal phone number; once posted it can be copied and misused.",
        "Share it in a private message, or give your office number instead.",
    ),
    "personal_email": (
        "This looks like your personal e-mail address; posted addresses attract spam and phishing.",
        "Share it privately, or use your work address.",
    ),
    "travel": (
        "Travel dates together with an empty home tell strangers when your house is unattended.",
        "Post about the trip after you are back, or leave out the dates.",
    ),
    "children_school": (
        "Naming your children's school tells strangers where to find them.",
        "Leave out the school's name.",
    ),
}


def _finding(
    text: str,
    category: Category,
    rule: str,
    start: int,
    end: int,
    severity: Severity,
    explanation: str,
    suggestion: str,
) -> Finding:
    return Finding(
        category=category,
        rule=rule,
        start=start,
        end=end,
        matched=text[start:end],
        severity=severity,
        explanation=explanation,
        suggestion=suggestion,
    )


def resolve_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Keep one candidate per stretch of text: higher-priority kinds win, then labelled,
    then longer."""
    ordered = sorted(
        candidates,
        key=lambda c: (_RANK.get(c.kind, len(_RANK)), not c.labelled, -(c.end - c.start), c.start),
    )
    # Kept spans never overlap, so sorted by start their ends are sorted too: a new span
    # overlaps a kept one only if it overlaps one of its two neighbours (O(n log n)).
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Candidate] = []
    for candidate in ordered:
        index = bisect_left(starts, candidate.start)
        if index > 0 and ends[index - 1] > candidate.start:
            continue
        if index < len(starts) and starts[index] < candidate.end:
            continue
        starts.insert(index, candidate.start)
        ends.insert(index, candidate.end)
        kept.insert(index, candidate)
    return kept


_LABEL_BLOCKS = frozenset({"mrn", "dob"})
_LABELLED_KINDS = frozenset(
    {"ssn", "mbi", "health_plan_id", "account", "licence", "device", "vehicle", "zip"}
)
_CONTACT_KINDS = frozenset({"phone", "fax", "email"})
_EVENT_DATES = frozenset({"admission_date", "discharge_date", "death_date"})


def phi_severity(candidate: Candidate, context: PatientContext) -> Severity | None:
    """Block, warn or ignore one (already de-overlapped, not-the-author's) candidate."""
    kind = candidate.kind
    start, end = candidate.start, candidate.end
    score = context.score(start, end)
    local = context.local(start, end)
    if kind in _LABEL_BLOCKS:
        if candidate.detail == "hash":  # "#00482913": a record number only near a patient
            if local >= 0.6:
                return "block"
            return "warn" if local >= 0.4 else None
        return "block" if score >= 0.3 else "warn"
    if kind == "health_plan_id":  # a member ID identifies its holder, whoever it is
        return "block" if score >= 0.3 else "warn"
    if kind == "ssn":
        if candidate.labelled or candidate.confidence >= 0.5:
            return "block" if score >= 0.3 else "warn"
        return None
    if kind in _LABELLED_KINDS:
        if candidate.labelled or candidate.confidence >= 0.7:
            if score >= 0.4:
                return "block"
            return "warn" if score >= 0.2 else None
        if kind == "mbi" and score >= 0.5:
            return "block"
        return "warn" if kind == "mbi" and score >= 0.3 else None
    if kind in _EVENT_DATES:
        # The event ("admitted", "D/C'd", "passed away") already ties the date to a person.
        return "block" if score >= 0.5 else "warn"
    if kind == "age_over_89":
        return "block" if score >= 0.4 else "warn"
    if kind == "name":
        if candidate.detail in ("cue", "demographics"):
            return "block"
        if candidate.detail == "plain":
            if local >= 0.7 and not context.professional_near(start, end):
                return "warn"
            return None
        if local >= 0.5:
            return "block"
        return "warn" if score >= 0.45 else None
    if kind in _CONTACT_KINDS:
        if kind != "email" and local < 0.9 and is_toll_free(context.text[start:end]):
            return None
        if context.professional_near(start, end) and local < 0.9:
            return None
        if local >= 0.6:
            return "block"
        return "warn" if score >= 0.5 else None
    if kind == "address":
        if context.professional_near(start, end) and local < 0.9:
            return None
        if local >= 0.5:
            return "block"
        return "warn" if score >= 0.5 else None
    if kind == "date":
        if local >= 0.9 and not context.professional_near(start, end):
            return "warn"
        return None
    return None


def phi_finding(text: str, candidate: Candidate, severity: Severity) -> Finding:
    explanation, suggestion = _PHI_TEXT[candidate.kind]
    return _finding(
        text,
        "patient_information",
        f"phi.{candidate.kind}",
        candidate.start,
        candidate.end,
        severity,
        explanation,
        suggestion,
    )


def offensive_finding(text: str, rule: str, start: int, end: int) -> Finding:
    explanation, suggestion = _OFFENSIVE_TEXT[rule]
    return _finding(
        text, "offensive", f"offensive.{rule}", start, end, "warn", explanation, suggestion
    )


def oversharing_finding(text: str, rule: str, start: int, end: int) -> Finding:
    explanation, suggestion = _OVERSHARING_TEXT[rule]
    return _finding(
        text, "oversharing", f"oversharing.{rule}", start, end, "warn", explanation, suggestion
    )
