"""Patient-context scoring: cues near a span, fading with distance, stopping at paragraphs."""

from __future__ import annotations

import pytest

from rounds.guard.patient_context import PatientContext


def score_of(text: str, target: str) -> float:
    start = text.index(target)
    return PatientContext(text).local(start, start + len(target))


@pytest.mark.parametrize(
    "text",
    [
        "My patient can be reached at 617-555-0142.",
        "Pt's daughter: 617-555-0142.",
        "67M admitted overnight, wife at 617-555-0142.",
        "DOB 1/2/1950, call 617-555-0142",
        "Bed 14 keeps asking; his son is at 617-555-0142",
        "INR 4.6 this morning; call 617-555-0142",
    ],
)
def test_patient_cues_score_high(text):
    """Patient cues next to a detail give it a high local score."""
    assert score_of(text, "617-555-0142") >= 0.6


@pytest.mark.parametrize(
    "text",
    [
        "Grand rounds questions: 617-555-0142.",
        "The patient safety hotline is 617-555-0142.",
        "Patient experience survey line: 617-555-0142.",
        "Register by phone at 617-555-0142.",
    ],
)
def test_no_patient_cue(text):
    """Institutional texts, and 'patient' used as an adjective, are not patient context."""
    assert score_of(text, "617-555-0142") < 0.5


def test_cue_fades_with_distance():
    """A cue far away counts less than one next to the span."""
    near = "My patient: 617-555-0142."
    far = "My patient." + " Unrelated words here." * 12 + " 617-555-0142."
    assert score_of(near, "617-555-0142") > score_of(far, "617-555-0142")


def test_paragraph_break_stops_context():
    """Cues do not cross a blank line into another paragraph."""
    text = "My patient is stable.\n\nOffice line 617-555-0142."
    assert score_of(text, "617-555-0142") == 0.0


def test_text_score_for_case_discussions():
    """A text with several distinct cues is a case discussion as a whole."""
    assert PatientContext("Pt 67M admitted with sepsis, DOB on file.").text_score >= 0.9
    assert PatientContext("Grand rounds Thursday at noon.").text_score == 0.0


def test_professional_near():
    """Professional cues (CME, office, register, NPI) are found near a span."""
    text = "CME office: 617-555-0142"
    context = PatientContext(text)
    start = text.index("617")
    assert context.professional_near(start, start + 12)
    assert not PatientContext("Daughter: 617-555-0142").professional_near(10, 22)
