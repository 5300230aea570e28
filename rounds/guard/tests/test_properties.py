"""Property tests: check() never raises, and every finding points into the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.guard import CATEGORIES, GuardContext, check

#: Fragments that wake the recognizers up, mixed with arbitrary text.
FRAGMENTS = [
    "Pt ",
    "my patient ",
    "DOB ",
    "MRN ",
    "SSN ",
    "67M ",
    "93 y/o ",
    "admitted ",
    "died ",
    "344-10-8086",
    "617-555-0142",
    "(617) 555-0142",
    "jane.roe@gmail.com",
    "1EG4-TE5-MK73",
    "12 Elm Street",
    "zip 02118",
    "3/14/2024",
    "March 3, 2024",
    "Mrs. Alvarez",
    "John Smith",
    "member ID ",
    "W123456789",
    "serial ",
    "VIN 1HGCM82633A004352",
    "fuck",
    "sh1t",
    "f*ck",
    "you are an idiot",
    "NURSES ARE THE WORST AND I HATE THIS ",
    "my cell is ",
    "gmail",
    "https://doi.org/10.1/x",
    "\n\n",
    ", ",
    ". ",
    "'s ",
    "(",
    ")",
    "#",
    "—",
    "é",
    "\u200b",
    "🙂",
    "\x00",
    "\ud800",
]
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, kind=st.sampled_from(["post", "bio", "message", "nonsense"]))
def test_check_never_raises_and_offsets_are_exact(text, kind):
    """For any text: no exception, offsets within the text, and text[start:end] == matched."""
    report = check(text, context=GuardContext.build(kind, author_phones=["617-555-0142"]))
    assert report.verdict in ("ok", "warn", "block")
    for finding in report.findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.matched
        assert finding.category in CATEGORIES
        assert finding.severity in ("block", "warn")
        assert finding.explanation and finding.suggestion
    if report.blocked:
        assert any(f.category == "patient_information" for f in report.findings)
    assert [f.start for f in report.findings] == sorted(f.start for f in report.findings)
