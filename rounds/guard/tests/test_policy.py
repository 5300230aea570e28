"""The policy through ``check()``: what blocks, what warns, what passes, and what the author
is told."""

from __future__ import annotations

import pytest

from rounds.guard import CATEGORIES, GuardContext, GuardReport, check, policy
from rounds.guard.report import Finding


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Pt SSN 344-10-8086 came up as a duplicate.", "phi.ssn"),
        ("Can someone review MRN 00482913 before conference?", "phi.mrn"),
        ("Pt DOB 04/12/1957, admitted with PE.", "phi.dob"),
        ("Medicare number for my patient is 1EG4-TE5-MK73.", "phi.mbi"),
        ("Pt's daughter can be reached at 617-555-0142.", "phi.phone"),
        ("Patient's email is jane.roe@gmail.com, send results there.", "phi.email"),
        ("Pt John Smith (67M) admitted overnight.", "phi.name"),
        ("Pt lives at 12 Elm Street with no heat.", "phi.address"),
        ("My patient passed away on 11/2/2023.", "phi.death_date"),
        ("Pt is 97 y/o with a hip fracture.", "phi.age_over_89"),
        ("Pt's insurance member ID JMJ51434866 was denied.", "phi.health_plan_id"),
        ("Fax the patient's son at his home fax 617-555-0199.", "phi.fax"),
    ],
)
def test_patient_identifiers_block(text, rule):
    """High-confidence patient identifiers block publication with their own rule."""
    report = check(text)
    assert report.blocked and report.verdict == "block"
    assert rule in {f.rule for f in report.findings if f.severity == "block"}


@pytest.mark.parametrize(
    "text",
    [
        "What a fucking night.",
        "You are an idiot.",
        "My cell is 617-555-0142, text me.",
        "I AM SO DONE WITH THIS PLACE AND ALL OF ITS RULES.",
    ],
)
def test_everything_else_warns(text):
    """Offensive content and oversharing are warnings, never blocks."""
    report = check(text)
    assert report.verdict == "warn"
    assert all(f.severity == "warn" for f in report.findings)


@pytest.mark.parametrize(
    "text",
    [
        "Grand rounds Thursday 8 am, Dr. Jane Lee on sepsis. CME line 1-800-555-0199.",
        "My NPI is 1234567893 for the referral form.",
        "Great paper: https://www.nejm.org/doi/full/10.1056/NEJMoa2301234",
        "Heading to the ACC meeting in Chicago, March 3–6, 2026.",
        "67M with NSTEMI, troponin 0.42. Would you start heparin?",
        "An 85-year-old with CHF taught me about goals of care.",
        "We're hiring a hospitalist. Email gme@mgh.harvard.edu or call 617-555-0100.",
        "Breast cancer screening starts at 40; document the rectal exam.",
        "",
        "   ",
    ],
)
def test_professional_posts_pass(text):
    """Physicians' ordinary professional posts get an ok."""
    report = check(text)
    assert report.verdict == "ok", report.findings


def test_authors_own_details_are_not_patient_information():
    """The author's listed phone, e-mail, NPI and name are never reported."""
    context = GuardContext(
        kind="post",
        author_name="Jane Roe",
        author_npi="1234567893",
        author_phones=("(617) 555-0142",),
        author_emails=("jroe@gmail.com",),
    )
    text = (
        "Pt follow-up questions? My patients can call 617-555-0142 or email jroe@gmail.com. "
        "NPI 1234567893. Pt Jane Roe (that's me, 45F) says hi."
    )
    report = check(text, context=context)
    assert report.by_category("patient_information") == ()


def test_colleague_names_are_not_patients():
    """Names of the author's colleagues are not reported as patient names."""
    text = "Pt Maria Garcia (45F) covered my clinic, thanks!"
    assert check(text).blocked
    context = GuardContext(colleague_names=("Maria Garcia",))
    assert not check(text, context=context).by_category("patient_information")


def test_identifier_inside_url_is_ignored():
    """Numbers inside links (journal DOIs, registration pages) are not identifiers."""
    text = "Pt education: https://example.org/patient/617-555-0142/mrn-00482913"
    assert check(text).verdict == "ok"


def test_findings_are_ordered_and_point_into_the_text():
    """Findings come in text order and their offsets slice out the matched text."""
    text = "Damn. Pt SSN 344-10-8086, my cell is 617-555-0199 and call me."
    report = check(text)
    starts = [f.start for f in report.findings]
    assert starts == sorted(starts)
    for finding in report.findings:
        assert text[finding.start : finding.end] == finding.matched


def test_every_finding_has_explanation_and_suggestion():
    """Every rule the policy can emit has a human explanation and a suggestion."""
    for table in (policy._PHI_TEXT, policy._OFFENSIVE_TEXT, policy._OVERSHARING_TEXT):
        for explanation, suggestion in table.values():
            assert explanation.strip() and suggestion.strip()
    for kind in policy.KIND_PRIORITY:
        assert kind in policy._PHI_TEXT


def test_report_to_dict():
    """The report's JSON shape: verdict, blocked, findings and counts per category."""
    report = check("Pt SSN 344-10-8086. Damn.")
    data = report.to_dict()
    assert data["verdict"] == "block" and data["blocked"] is True
    assert set(data["counts"]) == set(CATEGORIES)
    assert data["counts"]["patient_information"] == 1 and data["counts"]["offensive"] == 1
    assert set(data["findings"][0]) == {
        "category",
        "rule",
        "start",
        "end",
        "matched",
        "severity",
        "explanation",
        "suggestion",
    }


def test_empty_report():
    """An empty report is ok, not blocked, and has no categories."""
    report = GuardReport()
    assert report.ok and report.verdict == "ok" and not report.blocked
    assert report.categories == frozenset()


def test_warn_report():
    """A report with only warnings is a warn verdict."""
    finding = Finding("offensive", "offensive.profanity", 0, 4, "damn", "warn", "x", "y")
    assert GuardReport((finding,)).verdict == "warn"


def test_check_rejects_non_text():
    """check() needs a str."""
    with pytest.raises(TypeError):
        check(b"bytes")  # type: ignore[arg-type]


def test_context_build_is_forgiving():
    """GuardContext.build accepts None values and maps unknown kinds to 'other'."""
    context = GuardContext.build("wiki", author_name=None, author_phones=None, author_emails=[""])
    assert context.kind == "other" and context.author_name == "" and context.author_emails == ()
    assert GuardContext.build("bio").kind == "bio"
