"""Our own patient-identifier recognizers: each finds its shape and leaves look-alikes alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rounds.guard import recognizers as r
from rounds.guard.recognizers import Candidate


def values(
    recognize: Callable[[str], list[Candidate]], text: str, kind: str | None = None
) -> list[str]:
    return [text[c.start : c.end] for c in recognize(text) if kind is None or c.kind == kind]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pt SSN 344-10-8086 came up twice", "344-10-8086"),
        ("social security number is 450 85 8331", "450 85 8331"),
        ("My patient gave her SS# as 022288854", "022288854"),
        ("The patient's SSN (541284866) was typed wrong", "541284866"),
    ],
)
def test_ssn_found(text, expected):
    """SSNs are found with dashes, spaces, or bare digits after an SSN label."""
    assert values(r.recognize_ssn, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "SSN 000-12-3456",  # area 000 never issued
        "SSN 666-12-3456",
        "SSN 912-34-5678",  # 9xx: ITINs, not SSNs
        "SSN 123-00-4567",
        "order 123456789 shipped",  # bare nine digits without a label
        "call 617-555-0142",
        "ratio 123-45-67890",
    ],
)
def test_ssn_not_found(text):
    """Never-issued SSN ranges, unlabelled bare digits and phone numbers are not SSNs."""
    assert values(r.recognize_ssn, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can someone look at MRN 00482913?", "00482913"),
        ("Pt MRN: 4829133, 67F", "4829133"),
        ("Medical record number 12-345-678: 67M", "12-345-678"),
        ("Chart #4829133 — same patient", "4829133"),
        ("For M&M: med rec # 1234567, sepsis", "1234567"),
        ("mrn E1190744 admitted", "E1190744"),
    ],
)
def test_mrn_found(text, expected):
    """A number after an MRN / medical record / chart label is an MRN."""
    assert values(r.recognize_mrn, text) == [expected]


@pytest.mark.parametrize(
    "text",
    ["MRN pending from registration", "the chart was reviewed 2 times", "NPI 1234567893"],
)
def test_mrn_not_found(text):
    """Without a number, or with another label, there is no MRN."""
    assert values(r.recognize_mrn, text) == []


@pytest.mark.parametrize(
    ("recognize", "text", "expected"),
    [
        (r.recognize_health_plan_id, "Member ID JMJ51434866, denied", "JMJ51434866"),
        (r.recognize_health_plan_id, "policy number W123456789 for", "W123456789"),
        (r.recognize_health_plan_id, "Medicaid ID 123AB45678 rejected", "123AB45678"),
        (r.recognize_account, "patient account #4432112209 charged", "4432112209"),
        (r.recognize_account, "Acct # 1234-5678-90 for the pt", "1234-5678-90"),
        (r.recognize_licence, "driver's license D1234567 was", "D1234567"),
        (r.recognize_licence, "DL# 123456789 — registration", "123456789"),
        (r.recognize_device, "pacemaker serial number PJN123456H is", "PJN123456H"),
        (r.recognize_device, "LVAD (SN 12345678) needs", "12345678"),
        (r.recognize_vehicle, "license plate 7ABC123 — towed", "7ABC123"),
        (r.recognize_vehicle, "car VIN 1HGCM82633A004352 in the report", "1HGCM82633A004352"),
    ],
)
def test_labelled_identifiers_found(recognize, text, expected):
    """Health-plan, account, licence, device and vehicle identifiers after their labels."""
    assert values(recognize, text) == [expected]


@pytest.mark.parametrize(
    ("recognize", "text"),
    [
        (r.recognize_health_plan_id, "member of the committee since 2019"),
        (r.recognize_health_plan_id, "our group meeting is at noon"),
        (r.recognize_account, "taking into account 12 studies"),
        (r.recognize_licence, "my medical license is active in Ohio"),
        (r.recognize_device, "the serial killer documentary"),
        (r.recognize_vehicle, "the plate reader is broken"),
        (r.recognize_vehicle, "ABCDEFGHJKLMNPRST is not a VIN"),
    ],
)
def test_labelled_identifiers_not_found(recognize, text):
    """Label words used in their ordinary sense, without an identifier, find nothing."""
    assert values(recognize, text) == []


def test_vin_check_digit():
    """An unlabelled 17-character VIN counts only with a valid check digit."""
    assert r.vin_check_digit_ok("1HGCM82633A004352")
    assert not r.vin_check_digit_ok("1HGCM82623A004352")
    assert values(r.recognize_vehicle, "found 1HGCM82633A004352 in the lot") == [
        "1HGCM82633A004352"
    ]
    assert values(r.recognize_vehicle, "found 1HGCM82623A004352 in the lot") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Medicare 1EG4-TE5-MK73 for", "1EG4-TE5-MK73"), ("MBI: 1EG4TE5MK73.", "1EG4TE5MK73")],
)
def test_mbi_found(text, expected):
    """Medicare beneficiary IDs in the CMS format, with or without dashes."""
    assert values(r.recognize_mbi, text) == [expected]


@pytest.mark.parametrize("text", ["1EG4-TE5-MK7", "1SG4TE5MK73", "0EG4TE5MK73", "ABCDEFGHIJK"])
def test_mbi_not_found(text):
    """Wrong length, excluded letters (S, L, O, I, B, Z) or a leading zero are not MBIs."""
    assert values(r.recognize_mbi, text) == []


@pytest.mark.parametrize(
    "number",
    [
        "617-555-0142",
        "(617) 555-0142",
        "(617)555-0142",
        "617.555.0142",
        "617 555 0142",
        "+1 617 555 0142",
        "1-617-555-0142",
        "6175550142",
        "617-555-0142 x123",
    ],
)
def test_phone_formats(number):
    """North American numbers in every common way of writing them."""
    assert values(r.recognize_phone, f"call {number} today") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "ISBN 978-0-12-345678-9",
        "zip 02118",
        "2024-01-15",
        "NCT01234567",
        "dose 0.5 mg/kg",
        "v1.617.555",
    ],
)
def test_phone_look_alikes(text):
    """ISBNs, ZIP codes, dates, trial ids and doses are not phone numbers."""
    assert values(r.recognize_phone, text) == []


def test_toll_free():
    """Toll-free numbers are recognised as such (they belong to organisations)."""
    assert r.is_toll_free("1-800-555-0199")
    assert r.is_toll_free("(888) 555-0199")
    assert not r.is_toll_free("617-555-0142")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe@gmail.com please", ["jane.doe@gmail.com"]),
        ("a+b@sub.example.org.", ["a+b@sub.example.org"]),
        ("no email here @ all", []),
        ("user@localhost", []),
    ],
)
def test_email(text, expected):
    """E-mail addresses need a dotted domain with a top-level domain."""
    assert values(r.recognize_email, text) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Pt DOB 04/12/1957, admitted", "dob"),
        ("D.O.B. 4/12/57 for the patient", "dob"),
        ("date of birth: March 3, 1951", "dob"),
        ("born 1951-03-03 and raised", "dob"),
        ("admitted on 3/14/2024 with sepsis", "admission_date"),
        ("came in on March 14th with pain", "admission_date"),
        ("discharged 2024-03-20 on apixaban", "discharge_date"),
        ("left AMA on 11/2 before", "discharge_date"),
        ("passed away on 11/2/2023 at 0400", "death_date"),
        ("Date of death 6 June 2023.", "death_date"),
        ("Abstracts are due March 3, 2026.", "date"),
    ],
)
def test_dates_typed_by_their_cue(text, kind):
    """A date is typed by the cue before it: birth, admission, discharge, death, or none."""
    found = [c.kind for c in r.recognize_dates(text)]
    assert found == [kind]


@pytest.mark.parametrize(
    "text", ["BP 140/90 on arrival", "version 2.3.1", "ratio 13/25", "score 45/60"]
)
def test_dates_look_alikes(text):
    """Blood pressures, version numbers and ratios are not dates."""
    assert r.recognize_dates(text) == []


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("a 93-year-old woman", "93"),
        ("Pt is 97 y/o with", "97"),
        ("My 101 yo patient", "101"),
        ("92M presented", "92"),
        ("98F, nursing home", "98"),
        ("turned 95 in the ICU", "95"),
        ("aged 90, lives alone", "90"),
    ],
)
def test_ages_over_89(text, age):
    """Ages of 90 and over are found in every usual notation."""
    assert values(r.recognize_ages, text) == [age]


@pytest.mark.parametrize(
    "text", ["an 89-year-old man", "90-day readmission", "95% CI", "85M presented", "room 92"]
)
def test_ages_not_over_89(text):
    """Ages under 90, durations and percentages are not over-89 ages."""
    assert r.recognize_ages(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lives at 12 Elm Street with", "12 Elm Street"),
        ("at 500 Conner Prairie Apt. 453 now", "500 Conner Prairie Apt. 453"),
        ("at 55 Fruit St, Boston, MA 02114 for", "55 Fruit St, Boston, MA 02114"),
        ("from 08042 Davis Spurs Apt. 767", "08042 Davis Spurs Apt. 767"),
        ("moved to 1600 N Main Ave", "1600 N Main Ave"),
    ],
)
def test_address(text, expected):
    """Street addresses with USPS suffixes, units, city, state and ZIP."""
    assert values(r.recognize_address, text) == [expected]


@pytest.mark.parametrize("text", ["3 times a day", "the 2 Main points", "took 5 Tylenol"])
def test_address_look_alikes(text):
    """Numbers followed by capitalised words are not addresses without a street suffix."""
    assert values(r.recognize_address, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pt lives in zip code 51371, no pharmacy", "51371"),
        ("My patient from 02118 drives", "02118"),
        ("Boston, MA 02118-1234 is", "02118-1234"),
        ("the ZIP is 60601.", "60601"),
    ],
)
def test_zip(text, expected):
    """Five-digit ZIP codes introduced as ZIP codes or places."""
    assert values(r.recognize_zip, text) == [expected]


@pytest.mark.parametrize(
    "text", ["n = 12000 patients", "in 2019 we", "12345 visits", "$10000 grant"]
)
def test_zip_look_alikes(text):
    """Counts, years and amounts are not ZIP codes."""
    assert values(r.recognize_zip, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pt John Smith (67M) admitted", "John Smith"),
        ("My patient Maria Garcia went home", "Maria Garcia"),
        ("Rounded on Mrs. Alvarez this morning", "Mrs. Alvarez"),
        ("jane roe, DOB 1/2/1950, MRN 1", "jane roe"),
        ("catching Michael Smith's K 6.2 early", "Michael Smith"),
        ("Tough night. Sara Wright, 40F, coded", "Sara Wright"),
        ("Name: cindy cobb\nDOB: 1933-04-30", "cindy cobb"),
        ("Pt April Pitts, member ID", "April Pitts"),
        ("Pt Philip Young asked me", "Philip Young"),
    ],
)
def test_patient_names(text, expected):
    """Names written as a patient's: after a cue, with an honorific, or with demographics."""
    assert expected in values(r.recognize_names, text)


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Jane Lee presented her research",
        "Jane Lee, MD presented at grand rounds",
        "Patient Safety Week starts Monday",
        "Grand Rounds with Dr. Sam Park",
        "Congratulations to Anna Kim on the award",
    ],
)
def test_not_patient_names(text):
    """Colleagues (Dr., credentials), titles and congratulations are not written as patients'
    names (at most as plain capitalised names, which the policy needs patient cues for)."""
    found = [c for c in r.recognize_names(text) if c.detail != "plain"]
    assert found == []


def test_plain_names_are_weak_candidates():
    """Any capitalised first and last name is a weak, unlabelled candidate; colleagues are not."""
    found = r.recognize_names("Visited Amy Guerrero on the ward.")
    assert [(c.detail, c.labelled) for c in found] == [("plain", False)]
    assert r.recognize_names("Thanks to Amy Guerrero for covering.") == []
    assert r.recognize_names("Dr. Amy Guerrero presented.") == []


def test_url_spans():
    """Journal links are found whole, so nothing inside them is taken for an identifier."""
    text = "see https://doi.org/10.1001/jama.2024.12345 and www.nejm.org/x"
    spans = r.url_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "https://doi.org/10.1001/jama.2024.12345",
        "www.nejm.org/x",
    ]
