"""Generate the guard's labelled evaluation corpus (deterministic: templates + seeded Faker).

    python -m rounds.guard.corpus.generate            # rewrites corpus.jsonl beside this file
    python -m rounds.guard.corpus.generate --check    # fails if the committed file is stale

The corpus was written from the issue's description of what a physician might post, before the
recognizers existed, and is committed as data (``corpus.jsonl``). Each line is one text::

    {"id": "phi-ssn-003", "group": "phi", "template": "phi.ssn.2", "text": "...",
     "context": {"kind": "post", "author_name": ..., ...},
     "labels": [{"category": "patient_information", "kind": "ssn", "start": 41, "end": 52}],
     "expected_verdict": "block"}

Groups: ``phi`` (case discussions that contain at least one HIPAA Safe Harbor identifier of a
patient: the labelled spans), ``offensive``, ``oversharing`` (post-level labels, no spans) and
``benign`` (nothing should be flagged; many are deliberately hard: grand rounds announcements,
CME phone lines, journal links, job posts, "my NPI is …", colleagues' names, conference dates,
venue addresses, anatomy terms, de-identified cases with ages under 90, clinical numbers).

Slots in templates are ``{slot}``; a slot whose name is in ``PHI_SLOTS`` is a labelled patient
identifier. Everything random comes from one ``random.Random`` and one Faker, both seeded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faker import Faker

SEED = 20240611
HERE = Path(__file__).resolve().parent
CORPUS_PATH = HERE / "corpus.jsonl"
HOLDOUT_PATH = HERE / "holdout.jsonl"

# --------------------------------------------------------------------------------------------
# Random building blocks
# --------------------------------------------------------------------------------------------


#: Area codes in use (a hand-written sample); a fifth of numbers get a random well-formed one.
AREA_CODES = (
    "212",
    "718",
    "917",
    "617",
    "857",
    "312",
    "773",
    "415",
    "510",
    "213",
    "310",
    "818",
    "305",
    "786",
    "404",
    "678",
    "713",
    "832",
    "206",
    "202",
    "503",
    "612",
    "303",
    "602",
    "215",
    "216",
    "314",
    "412",
    "504",
    "615",
    "702",
    "801",
    "808",
    "907",
    "919",
    "704",
    "614",
    "317",
    "414",
    "816",
    "913",
    "405",
    "918",
    "505",
    "520",
    "512",
    "210",
    "214",
    "972",
    "469",
    "857",
    "401",
)


class Gen:
    """All randomness for one corpus build."""

    def __init__(self, seed: int = SEED) -> None:
        self.r = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)

    # --- generic helpers ---------------------------------------------------------------------

    def pick(self, options: list[str] | tuple[str, ...]) -> str:
        return self.r.choice(list(options))

    def digits(self, n: int) -> str:
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def date(self, start_year: int = 2019, end_year: int = 2025) -> dt.date:
        start = dt.date(start_year, 1, 1).toordinal()
        end = dt.date(end_year, 12, 28).toordinal()
        return dt.date.fromordinal(self.r.randint(start, end))

    def fmt_date(self, d: dt.date, *, allow_no_year: bool = True, style: int | None = None) -> str:
        """``d`` in one of the ways people write dates (``style`` picks the way)."""
        month = d.strftime("%B")
        formats = [
            f"{d.month}/{d.day}/{d.year}",
            f"{d.month:02d}/{d.day:02d}/{d.year}",
            f"{d.month}/{d.day}/{d.year % 100:02d}",
            f"{d.year}-{d.month:02d}-{d.day:02d}",
            f"{month} {d.day}, {d.year}",
            f"{month[:3]} {d.day}, {d.year}",
            f"{d.day} {month} {d.year}",
            f"{d.month}-{d.day}-{d.year}",
        ]
        if allow_no_year:
            formats += [f"{d.month}/{d.day}", f"{month} {d.day}", f"{month} {d.day}th"]
        index = self.r.randrange(len(formats)) if style is None else style % len(formats)
        return formats[index].replace(f"{d.day}th", _ordinal(d.day))

    # --- people --------------------------------------------------------------------------------

    def patient_full(self) -> str:
        sex = self.r.random() < 0.5
        first = self.fake.first_name_female() if sex else self.fake.first_name_male()
        name = f"{first} {self.fake.last_name()}"
        roll = self.r.random()
        if roll < 0.08:
            return name.lower()
        if roll < 0.15:
            return f"{first} {self.fake.last_name()[0]}."
        return name

    def patient_honorific(self) -> str:
        return f"{self.pick(['Mr.', 'Mrs.', 'Ms.', 'Miss', 'Mr', 'Mrs', 'Ms'])} {self.fake.last_name()}"

    def doctor(self) -> str:
        return f"Dr. {self.fake.last_name()}"

    def doctor_full(self) -> str:
        return f"Dr. {self.fake.first_name()} {self.fake.last_name()}"

    def colleague(self) -> str:
        return f"{self.fake.first_name()} {self.fake.last_name()}"

    # --- identifiers ---------------------------------------------------------------------------

    def ssn(self) -> str:
        raw = self.fake.ssn()
        roll = self.r.random()
        if roll < 0.15:
            return raw.replace("-", "")
        if roll < 0.25:
            return raw.replace("-", " ")
        return raw

    def mrn(self) -> str:
        return self.pick(
            [
                self.digits(7),
                self.digits(8),
                "00" + self.digits(6),
                f"{self.digits(2)}-{self.digits(3)}-{self.digits(3)}",
                f"{self.r.choice('EMHK')}{self.digits(7)}",
                self.digits(9),
                self.digits(10),
            ]
        )

    def mbi(self) -> str:
        letters = "ACDEFGHJKMNPQRTUVWXY"
        alnum = "0123456789" + letters
        r = self.r
        chars = [
            r.choice("123456789"),
            r.choice(letters),
            r.choice(alnum),
            r.choice("0123456789"),
            r.choice(letters),
            r.choice(alnum),
            r.choice("0123456789"),
            r.choice(letters),
            r.choice(letters),
            r.choice("0123456789"),
            r.choice("0123456789"),
        ]
        raw = "".join(chars)
        return f"{raw[:4]}-{raw[4:7]}-{raw[7:]}" if r.random() < 0.35 else raw

    def health_plan_id(self) -> str:
        r = self.r
        prefix = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(r.randint(1, 3)))
        return self.pick(
            [
                prefix + self.digits(9),
                prefix + self.digits(8),
                f"{prefix}{self.digits(3)}-{self.digits(3)}-{self.digits(3)}",
                "W" + self.digits(9),
                self.digits(3) + prefix + self.digits(5),
            ]
        )

    def phone(self) -> str:
        r = self.r
        area = (
            self.pick(AREA_CODES)
            if r.random() < 0.8
            else f"{r.randint(2, 9)}{r.randint(0, 8)}{r.randint(0, 9)}"
        )
        exchange = f"{r.randint(2, 9)}{self.digits(2)}"
        line = self.digits(4)
        return self.pick(
            [
                f"{area}-{exchange}-{line}",
                f"({area}) {exchange}-{line}",
                f"({area}){exchange}-{line}",
                f"{area}.{exchange}.{line}",
                f"{area} {exchange} {line}",
                f"+1 {area} {exchange} {line}",
                f"+1-{area}-{exchange}-{line}",
                f"1-{area}-{exchange}-{line}",
                f"{area}{exchange}{line}",
                f"{area}-{exchange}-{line} x{self.digits(3)}",
            ]
        )

    def toll_free(self) -> str:
        return (
            f"1-{self.pick(['800', '888', '877', '866'])}-{self.r.randint(2, 9)}{self.digits(2)}"
            f"-{self.digits(4)}"
        )

    def email_personal(self, name: str | None = None) -> str:
        return self.fake.free_email() if name is None else _email_for(name, self)

    def email_work(self) -> str:
        local = self.pick(["gme", "residency", "cme", "events", "info", "recruiting", "fellowship"])
        domain = self.pick(
            [
                "mgh.harvard.edu",
                "ucsf.edu",
                "mayo.edu",
                "stanfordhealth.org",
                "nyulangone.org",
                "acponline.org",
                "cchmc.org",
                "med.umich.edu",
                "jhmi.edu",
                "bcm.edu",
            ]
        )
        return f"{local}@{domain}"

    def street(self) -> str:
        return self.fake.street_address()

    def address_full(self) -> str:
        return (
            f"{self.fake.street_address()}, {self.fake.city()}, {self.fake.state_abbr()} "
            f"{self.fake.zipcode()}"
        )

    def zipcode(self) -> str:
        return self.fake.zipcode() if self.r.random() < 0.85 else self.fake.zipcode_plus4()

    def account(self) -> str:
        return self.pick(
            [
                self.digits(10),
                f"{self.digits(4)}-{self.digits(4)}-{self.digits(2)}",
                "A" + self.digits(9),
                self.digits(12),
            ]
        )

    def licence(self) -> str:
        r = self.r
        return self.pick(
            [
                r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + self.digits(7),
                r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + self.digits(12),
                self.digits(9),
                f"{r.choice('ABDFS')}{self.digits(3)}-{self.digits(3)}-{self.digits(2)}-{self.digits(3)}-0",
            ]
        )

    def device_serial(self) -> str:
        r = self.r
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return self.pick(
            [
                "".join(r.choice(letters) for _ in range(3)) + self.digits(6) + r.choice(letters),
                "SN" + self.digits(8),
                f"{self.digits(4)}{r.choice(letters)}{self.digits(5)}",
                "".join(r.choice(letters) for _ in range(2)) + self.digits(7),
            ]
        )

    def vin(self) -> str:
        return _valid_vin(self.r)

    def plate(self) -> str:
        r = self.r
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return self.pick(
            [
                f"{r.randint(1, 9)}{''.join(r.choice(letters) for _ in range(3))}{self.digits(3)}",
                f"{''.join(r.choice(letters) for _ in range(3))}-{self.digits(4)}",
                f"{''.join(r.choice(letters) for _ in range(3))} {self.digits(3)}",
            ]
        )

    def npi(self) -> str:
        payload = self.r.choice("12") + self.digits(8)
        return payload + str(_luhn("80840" + payload))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _luhn(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def _valid_vin(r: random.Random) -> str:
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    values = {**{str(d): d for d in range(10)}}
    for letters, start in (("ABCDEFGH", 1), ("JKLMN", 1), ("P", 7), ("R", 9), ("STUVWXYZ", 2)):
        for offset, letter in enumerate(letters):
            values[letter] = start + offset
    values["P"], values["R"] = 7, 9
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    vin = [r.choice(chars) for _ in range(17)]
    total = sum(values[c] * w for c, w in zip(vin, weights, strict=True))
    check = total % 11
    vin[8] = "X" if check == 10 else str(check)
    return "".join(vin)


def _email_for(name: str, g: Gen) -> str:
    parts = re.sub(r"[^a-z ]", "", name.lower()).split()
    first, last = [*parts, "x", "y"][:2] if len(parts) < 2 else (parts[0], parts[-1])
    local = g.pick(
        [f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}{last}{g.digits(2)}"]
    )
    return f"{local}@{g.pick(['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com', 'comcast.net'])}"


# --------------------------------------------------------------------------------------------
# Fillers: slot name -> (generator, label kind or None)
# --------------------------------------------------------------------------------------------

DIAGNOSES = [
    "NSTEMI",
    "community-acquired pneumonia",
    "DKA",
    "a COPD exacerbation",
    "new-onset AFib",
    "cellulitis",
    "a GI bleed",
    "acute pancreatitis",
    "sepsis from a UTI",
    "a hip fracture",
    "CHF exacerbation",
    "an ischemic stroke",
    "PE",
    "altered mental status",
    "syncope",
    "hyponatremia",
    "a small bowel obstruction",
    "acute cholecystitis",
    "pyelonephritis",
    "anaphylaxis",
    "status asthmaticus",
    "a seizure",
    "AKI on CKD",
    "hepatic encephalopathy",
]
COMPLAINTS = [
    "chest pain",
    "shortness of breath",
    "abdominal pain",
    "fever and chills",
    "a headache",
    "weakness",
    "dizziness",
    "back pain",
    "palpitations",
    "confusion",
    "a fall",
    "vomiting",
]
DRUGS = [
    "heparin",
    "ceftriaxone",
    "furosemide",
    "insulin glargine",
    "apixaban",
    "vancomycin",
    "metoprolol",
    "prednisone",
    "piperacillin-tazobactam",
    "amiodarone",
    "lactulose",
]
HOSPITALS = [
    "Mercy General",
    "St. Luke's",
    "County General",
    "Memorial",
    "University Hospital",
    "Riverside Medical Center",
    "Good Samaritan",
    "Lakeview Regional",
]
SPECIALTIES = [
    "cardiology",
    "hospital medicine",
    "nephrology",
    "pulmonary and critical care",
    "emergency medicine",
    "infectious diseases",
    "family medicine",
    "oncology",
    "pediatrics",
    "geriatrics",
    "gastroenterology",
    "neurology",
]
TOPICS = [
    "heart failure with preserved EF",
    "sepsis bundles",
    "anticoagulation in AFib",
    "diabetic foot care",
    "opioid stewardship",
    "delirium prevention",
    "POCUS for dyspnea",
    "antibiotic de-escalation",
    "burnout and resilience",
    "health equity in maternal care",
    "lung cancer screening",
    "GLP-1 agonists",
    "pediatric asthma",
    "hypertension control",
]
JOURNALS = [
    "https://www.nejm.org/doi/full/10.1056/NEJMoa{d7}",
    "https://jamanetwork.com/journals/jama/fullarticle/{d7}",
    "https://www.thelancet.com/journals/lancet/article/PIIS0140-6736({d2})0{d4}-{d1}/fulltext",
    "https://doi.org/10.1001/jamainternmed.2024.{d4}",
    "https://pubmed.ncbi.nlm.nih.gov/{d8}/",
    "https://www.ahajournals.org/doi/10.1161/CIRCULATIONAHA.123.{d6}",
    "https://www.bmj.com/content/384/bmj-2023-0{d5}",
    "https://www.acpjournals.org/doi/10.7326/M23-{d4}",
    "https://academic.oup.com/cid/article/78/2/{d3}/{d7}",
]
CITIES = [
    "Boston",
    "Chicago",
    "San Diego",
    "Denver",
    "Atlanta",
    "Seattle",
    "Nashville",
    "Austin",
    "Orlando",
    "New Orleans",
    "Philadelphia",
    "Minneapolis",
    "Phoenix",
    "Baltimore",
]


def _age_under_90(g: Gen) -> str:
    return str(g.r.randint(19, 88))


def _age_over_89(g: Gen) -> str:
    return str(g.r.randint(90, 104))


def _time(g: Gen) -> str:
    return g.pick(["0400", "2 am", "14:30", "around 3pm", "0730", "midnight", "6:15 this morning"])


def _fillers() -> dict[str, tuple[Callable[[Gen], str], str | None]]:
    """Slot name -> (generator, PHI kind if the slot is a labelled patient identifier)."""
    return {
        # labelled patient identifiers
        "pname": (lambda g: g.patient_full(), "name"),
        "phon": (lambda g: g.patient_honorific(), "name"),
        "dob": (lambda g: g.fmt_date(g.date(1925, 2004), allow_no_year=False), "dob"),
        "adm": (lambda g: g.fmt_date(g.date()), "admission_date"),
        "dc": (lambda g: g.fmt_date(g.date()), "discharge_date"),
        "death": (lambda g: g.fmt_date(g.date()), "death_date"),
        "age90": (_age_over_89, "age_over_89"),
        "mrn": (lambda g: g.mrn(), "mrn"),
        "hpid": (lambda g: g.health_plan_id(), "health_plan_id"),
        "mbi": (lambda g: g.mbi(), "mbi"),
        "ssn": (lambda g: g.ssn(), "ssn"),
        "pphone": (lambda g: g.phone(), "phone"),
        "pfax": (lambda g: g.phone(), "fax"),
        "pemail": (lambda g: g.email_personal(g.patient_full()), "email"),
        "paddr": (lambda g: g.street(), "address"),
        "paddrfull": (lambda g: g.address_full(), "address"),
        "pzip": (lambda g: g.zipcode(), "zip"),
        "acct": (lambda g: g.account(), "account"),
        "lic": (lambda g: g.licence(), "licence"),
        "dev": (lambda g: g.device_serial(), "device"),
        "vin": (lambda g: g.vin(), "vehicle"),
        "plate": (lambda g: g.plate(), "vehicle"),
        # unlabelled filler
        "age": (_age_under_90, None),
        "sex": (lambda g: g.pick(["M", "F"]), None),
        "dx": (lambda g: g.pick(DIAGNOSES), None),
        "cc": (lambda g: g.pick(COMPLAINTS), None),
        "drug": (lambda g: g.pick(DRUGS), None),
        "hosp": (lambda g: g.pick(HOSPITALS), None),
        "doc": (lambda g: g.doctor(), None),
        "docfull": (lambda g: g.doctor_full(), None),
        "colleague": (lambda g: g.colleague(), None),
        "spec": (lambda g: g.pick(SPECIALTIES), None),
        "topic": (lambda g: g.pick(TOPICS), None),
        "city": (lambda g: g.pick(CITIES), None),
        "state": (lambda g: g.fake.state(), None),
        "time": (_time, None),
        "day": (lambda g: g.pick(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]), None),
        "month": (
            lambda g: g.pick(
                [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ]
            ),
            None,
        ),
        "date": (lambda g: g.fmt_date(g.date(2025, 2026)), None),
        "year": (lambda g: str(g.r.randint(2015, 2026)), None),
        "n": (lambda g: str(g.r.randint(2, 40)), None),
        "pct": (lambda g: str(g.r.randint(5, 95)), None),
        "room": (
            lambda g: g.pick(
                [
                    "Room 210",
                    "Room B-114",
                    "the Ether Dome",
                    "Auditorium A",
                    "Conference Room 3",
                    "Zoom",
                ]
            ),
            None,
        ),
        "phone": (lambda g: g.phone(), None),
        "tollfree": (lambda g: g.toll_free(), None),
        "workemail": (lambda g: g.email_work(), None),
        "venue": (lambda g: g.address_full(), None),
        "journal": (lambda g: _journal(g), None),
        "npi": (lambda g: g.npi(), None),
        "lab": (
            lambda g: g.pick(
                [
                    "troponin 0.42",
                    "lactate 4.1",
                    "K 6.2",
                    "Na 118",
                    "Hgb 6.8",
                    "WBC 18.2",
                    "Cr 3.4 from a baseline of 1.1",
                    "glucose 512",
                    "INR 4.6",
                    "BNP 2,140",
                ]
            ),
            None,
        ),
        "vitals": (
            lambda g: g.pick(
                [
                    "BP 82/50, HR 124",
                    "SpO2 86% on RA",
                    "T 39.4, HR 118",
                    "BP 210/120",
                    "RR 32, SpO2 88%",
                ]
            ),
            None,
        ),
    }


def _journal(g: Gen) -> str:
    template = g.pick(JOURNALS)
    return template.format(
        d1=g.digits(1),
        d2=g.digits(2),
        d3=g.digits(3),
        d4=g.digits(4),
        d5=g.digits(5),
        d6=g.digits(6),
        d7=g.digits(7),
        d8=g.digits(8),
    )


FILLERS = _fillers()
PHI_SLOTS = {slot: kind for slot, (_, kind) in FILLERS.items() if kind}
_SLOT = re.compile(r"\{([a-z0-9]+)\}")


@dataclass
class Item:
    """One corpus text under construction."""

    group: str
    template: str
    text: str
    labels: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    expected_verdict: str = "ok"


def fill(
    g: Gen, template: str, fixed: dict[str, str] | None = None
) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """Fill ``template``'s slots; return the text, the spans of labelled PHI slots and the
    value of every slot."""
    fixed = fixed or {}
    values: dict[str, str] = {}
    out: list[str] = []
    labels: list[dict[str, Any]] = []
    cursor = 0
    length = 0
    for match in _SLOT.finditer(template):
        literal = template[cursor : match.start()]
        out.append(literal)
        length += len(literal)
        slot = match.group(1)
        if slot in fixed:
            value = fixed[slot]
        else:
            generator, _ = FILLERS[slot]
            value = generator(g)
        values[slot] = value
        kind = PHI_SLOTS.get(slot)
        if kind:
            labels.append(
                {
                    "category": "patient_information",
                    "kind": kind,
                    "start": length,
                    "end": length + len(value),
                }
            )
        out.append(value)
        length += len(value)
        cursor = match.end()
    out.append(template[cursor:])
    return "".join(out), labels, values


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------

# Patient-information templates, grouped by the identifier kind they are written around (a
# template may contain more identifiers than its own kind; every labelled slot is labelled).
PHI_TEMPLATES: dict[str, list[str]] = {
    "name": [
        "Pt {pname} ({age}{sex}) admitted overnight with {dx}. Started {drug}, will update.",
        "My patient {pname} finally went home today after three weeks with {dx}. Proud of the whole team.",
        "Anyone seen this before? {phon}, {age} y/o, presented with {cc} and {lab}.",
        "{phon} in bed 14 keeps asking for you, {doc} — she remembers you from last year.",
        "Tough night. {pname}, {age}M, coded twice on the floor. ROSC both times, now in the unit.",
        "Rounded on {phon} this morning: {age}F with {dx}, improving on {drug}.",
        "Shout-out to nursing for catching {pname}'s {lab} early. {age} yo with {dx}.",
        "Case for the group: patient {pname}, {age}-year-old with {dx}, {vitals} on arrival.",
        "{pname} ({age}M) presented to the ED with {cc}. CT showed {dx}. Thoughts on next steps?",
        "pt {pname} in room 6 is refusing the {drug}, any tips for the conversation?",
        "Our patient {phon} was transferred from {hosp} with {dx}; family at bedside.",
        "Quick curbside: {phon}, a {age} year old with {dx}, {lab}. Would you anticoagulate?",
    ],
    "dob": [
        "Pt DOB {dob}, admitted with {dx}. Anyone know if {hosp} has her old records?",
        "Interesting case: {age}F, DOB {dob}, presented with {cc} and {lab}.",
        "Need help with a prior auth — patient's date of birth is {dob}, {dx}, on {drug}.",
        "{phon} (D.O.B. {dob}) is back again with {dx}. Third admission this year.",
        "Consult request: {age}M, DOB: {dob}, {dx}, {vitals}.",
        "The pt was born {dob} and has had {dx} since childhood. Now presenting with {cc}.",
        "Can someone pull the echo for my patient, dob {dob}? Admitted with {dx}.",
        "Patient {pname}, date of birth {dob}, in bed 22 with {dx}.",
        "Sharing an ECG from a patient (DOB {dob}) who presented with palpitations. Thoughts?",
        "{age}yo woman, birthdate {dob}, came in with {cc}; {lab}.",
    ],
    "admission_date": [
        "Pt admitted {adm} with {dx}, still on {drug}. Family wants an update.",
        "{age}M admitted on {adm} for {dx}; {lab} this morning. Advice?",
        "My patient was admitted {adm} after a fall at home, now with {dx}.",
        "Admission date {adm}: {age}F with {cc}, {vitals}. Turned out to be {dx}.",
        "She came in on {adm} with {cc} and has been in the ICU since.",
        "Case review: patient presented on {adm} with {cc}, found to have {dx}.",
        "Our {age} y/o patient was brought in by EMS on {adm} with {dx}.",
    ],
    "discharge_date": [
        "Pt discharged {dc} on {drug}, readmitted two days later with {dx}.",
        "My patient with {dx} was discharged on {dc} and is already back in the ED.",
        "{age}F discharged home {dc} after a long stay for {dx}. Follow-up with {doc}.",
        "Planned discharge date for the pt in bed 9 is {dc}; still needs PT clearance.",
        "The patient left AMA on {dc} before we could finish treating her {dx}.",
        "{phon} went home {dc}. First time in months she walked out on her own.",
    ],
    "death_date": [
        "Sad news: my patient with {dx} passed away on {death}. Grateful for the team.",
        "The pt died {death} at {time} despite everything we tried for {dx}.",
        "Patient expired on {death}; {age}M with {dx}. M&M next week.",
        "Date of death {death}. {age}F, {dx}, family declined autopsy.",
        "Lost a patient on {death} to {dx}. Still thinking about what we could have done.",
        "{phon} died peacefully on {death} surrounded by family. {age} years of stories.",
    ],
    "age_over_89": [
        "{age90}-year-old woman admitted with {dx}. Still lives alone and drives!",
        "Pt is {age90} y/o with {dx}, family asking about dialysis. How do you frame it?",
        "My {age90} yo patient with {dx} just asked me to dance at discharge.",
        "{age90}M presented with {cc}; {lab}. Goals of care conversation tonight.",
        "Case: {age90}F, nursing home resident, {dx}, {vitals}.",
        "Our patient turned {age90} in the ICU yesterday; we brought cake.",
        "A {age90} year old man with {dx} — would you still offer surgery?",
    ],
    "mrn": [
        "Can someone from radiology look at MRN {mrn}? Pt with {dx}, read still pending.",
        "Pt MRN: {mrn}, {age}F, {dx}. Cards please call back.",
        "Please review the chart for MRN {mrn} before tomorrow's conference — {dx}.",
        "Medical record number {mrn}: {age}M with {cc}, {lab}.",
        "FYI the patient (MRN# {mrn}) was transferred to the step-down unit.",
        "For M&M: med rec # {mrn}, {dx}, {vitals}.",
        "Admit in bed 3, mrn {mrn}, {age}yo with {dx}. Sign-out to night team.",
        "Chart #{mrn} — same patient as last week with {dx}, back again.",
        "Looking for the outside records on MRN {mrn}, transferred from {hosp}.",
        "Pt {pname} (MRN {mrn}) presented with {cc}.",
        "Quick question about the patient with MRN {mrn}: {lab}, on {drug}. Hold it?",
    ],
    "health_plan_id": [
        "Insurance keeps denying my patient's {drug}. Member ID {hpid}, anyone know a contact?",
        "Pt's health plan ID is {hpid}, still waiting on prior auth for {dx} treatment.",
        "Prior auth for {drug}: patient {phon}, policy number {hpid}.",
        "BCBS member # {hpid} — {age}M with {dx} — denied again. Ideas?",
        "Subscriber ID {hpid} for the pt with {dx}; the plan says it's not covered.",
        "The patient's Medicaid ID {hpid} was rejected at the pharmacy for {drug}.",
        "Insurance ID: {hpid}. {age}F, {dx}, needs home O2.",
    ],
    "mbi": [
        "Medicare number for my patient is {mbi}; billing keeps rejecting the claim for {dx}.",
        "Pt's MBI {mbi} — {age}M, {dx}, need to verify eligibility.",
        "Medicare beneficiary ID {mbi}, admitted with {dx}.",
        "Can anyone help? My patient's Medicare ID ({mbi}) doesn't match in the portal.",
        "MBI: {mbi}. {age}F with {dx} needs a wheelchair authorization.",
        "Patient {pname}, Medicare # {mbi}, {dx}.",
    ],
    "ssn": [
        "Pt SSN {ssn} came up as a duplicate registration, two charts merged.",
        "Patient's social security number is {ssn}; registration needs it to release records.",
        "SSN: {ssn}, {age}M, {dx}. Can someone in billing fix the account?",
        "My patient gave her SS# as {ssn} but it doesn't match the insurance file.",
        "{phon}, SSN {ssn}, admitted with {dx}.",
        "For the disability form: patient SSN {ssn}, diagnosis {dx}.",
        "Pt {pname} SSN {ssn} — who do I call about the duplicate MRN?",
        "Social Security no. {ssn} for the {age}F with {dx}, per registration.",
        "The patient's SSN ({ssn}) was typed into the wrong field in the chart.",
    ],
    "phone": [
        "Pt's daughter can be reached at {pphone} — she's the health care proxy.",
        "Patient's cell is {pphone}, please call with the biopsy results.",
        "Call the pt's wife at {pphone} about the goals-of-care meeting.",
        "My patient with {dx} left AMA; his phone number is {pphone} if anyone sees him.",
        "Family contact for the patient in bed 7: {pphone} (son).",
        "Pt {pname} asked me to share her number {pphone} with the support group.",
        "The patient's home phone {pphone} is disconnected; anyone have another way to reach her?",
        "{phon} wants a call back at {pphone} about his {lab}.",
    ],
    "fax": [
        "The pt's son wants the forms faxed to his home fax, {pfax}. {age}M with {dx}.",
        "Patient's fax at home is {pfax}; she doesn't use email. Send the {dx} instructions there.",
        "Fax: {pfax} — that's the patient's employer, they need the work note after her {dx}.",
        "Can someone fax my patient's {dx} paperwork to her husband's office, fax {pfax}?",
        "Pt asked us to fax his disability forms to {pfax} (his home office). {age}M, {dx}.",
    ],
    "email": [
        "Patient's email is {pemail}, she wants the results sent there.",
        "My patient ({age}F, {dx}) emailed me from {pemail} asking about her scan.",
        "Pt's son {pemail} wants an update on his father's {dx}.",
        "If anyone from the study team needs to reach the patient: {pemail}.",
        "The patient {pname} ({pemail}) wants to enroll in the trial for {dx}.",
        "Pt email {pemail} — please send the education materials for {dx}.",
        "Caregiver contact for my patient with {dx}: {pemail}.",
    ],
    "address": [
        "Pt lives at {paddr} with no heat; {age}M admitted with hypothermia.",
        "Home visit today for my patient at {paddrfull}. {dx}, bedbound.",
        "EMS picked up the patient from {paddr}, found down, {dx}.",
        "My patient with {dx} moved to {paddrfull}; can someone local take over her care?",
        "Patient's address on file is {paddr} but the home health nurse couldn't find her.",
        "{phon} ({age}F) lives alone at {paddr} and keeps falling.",
        "The pt's home at {paddrfull} needs a ramp before discharge.",
    ],
    "zip": [
        "Pt lives in zip code {pzip}, no pharmacy within 20 miles; {dx}.",
        "My patient from {pzip} drives two hours for dialysis. {age}M, ESRD.",
        "Patient, {age}F, {dx}, resides in {pzip}; home health won't cover that area.",
        "The pt's ZIP is {pzip} — is that in the catchment for the mobile clinic?",
        "Patient from zip {pzip} with {dx}, needs transport to {hosp}.",
    ],
    "account": [
        "Billing question: patient account #{acct} was charged twice for the {dx} admission.",
        "Pt's hospital account number {acct} — the bill went to collections.",
        "Patient account {acct}: {age}M, {dx}, charges disputed.",
        "My patient's financial account no. {acct} needs the charity care form.",
        "Acct # {acct} for the pt with {dx}; please fix the coding.",
    ],
    "licence": [
        "Pt brought in unconscious, driver's license {lic} was the only ID. {dx}.",
        "Patient's driver license number {lic}, needs to be reported to the DMV after the seizure.",
        "The patient's DL# {lic} — registration used it to find the old chart.",
        "Unidentified patient until we found license no. {lic} in his wallet; {dx}.",
        "My patient with {dx} can't drive; his license {lic} should be suspended.",
    ],
    "device": [
        "Pt's pacemaker serial number {dev} is on the recall list. {age}M, {dx}.",
        "Patient's insulin pump serial {dev} keeps alarming; {dx}.",
        "ICD serial # {dev} — my patient got three shocks last night.",
        "The patient's LVAD (SN {dev}) needs a controller swap.",
        "Device serial number {dev} for my patient's CPAP, DME won't replace it.",
    ],
    "vehicle": [
        "Pt was the driver in the MVC; his car VIN {vin} is in the police report. {dx}.",
        "Patient's license plate {plate} — security towed her car while she was admitted.",
        "My patient's vehicle (plate {plate}) is still in the ED lot, {age}M admitted with {dx}.",
        "Police need the VIN {vin} from the patient's truck; he is in the ICU with {dx}.",
        "The pt's car, plate number {plate}, was left running at the ambulance bay.",
    ],
}

# Multi-identifier case posts (realistic "everything in one post" mistakes).
PHI_MULTI_TEMPLATES = [
    "{pname}, DOB {dob}, MRN {mrn}, admitted {adm} with {dx}. Call the daughter at {pphone}.",
    "Pt {phon} ({age}F), SSN {ssn}, Medicare {mbi}, lives at {paddr}. Needs SNF placement.",
    "Transfer summary: {pname}, MRN {mrn}, DOB {dob}; discharged {dc} on {drug}.",
    "My patient {pname} ({pemail}, {pphone}) wants her records; DOB {dob}.",
    "{age90}M, MRN {mrn}, passed away {death}. Family at {paddrfull}.",
    "Pt {pname}, member ID {hpid}, MRN {mrn}: prior auth for {drug} denied.",
    "Name: {pname}\nDOB: {dob}\nMRN: {mrn}\nDx: {dx}\nPlan: {drug}",
    "{phon}, {age90} y/o, admitted {adm}, DOB {dob}, with {dx}; SSN on file {ssn}.",
]

OFFENSIVE_TEMPLATES: dict[str, list[str]] = {
    "profanity": [
        "What a fucking night shift. Three codes and no lunch.",
        "This EHR update is complete bullshit, it logs me out every five minutes.",
        "Admin cut our nursing ratios again. Holy shit, who signs off on this?",
        "Prior auths are such a pain in the ass. Spent two hours on the phone today.",
        "Damn, the pager went off eleven times during my one break.",
        "Who the hell schedules mandatory training at 7 pm on a Friday?",
        "The new parking policy is crap and everyone knows it.",
        "Honestly the scheduling office can kiss my ass.",
        "Got screwed over by the call schedule again, what a shitshow.",
        "F*ck this insurance company and its 45-minute hold music.",
        "Another week of this sh1t and I'm calling in sick.",
        "Pharmacy lost the order again. Bloody useless system, pissed off beyond words.",
    ],
    "slur": [
        "Some of these {slur} patients never follow instructions.",
        "I don't want a {slur} as my resident, honestly.",
        "The whole unit is run by {slur} now, no wonder it's chaos.",
        "Heard the new attending is a {slur}; should be an interesting rotation.",
        "Stop hiring {slur} and maybe the clinic would run on time.",
        "That {slur} from pharmacy questioned my order again.",
    ],
    "harassment": [
        "{docfull}, you are an idiot and everyone on the unit knows it.",
        "You're a complete moron if you think that dose is right.",
        "Nobody likes you, {colleague}. Just quit already.",
        "Keep questioning my orders and I will make your residency hell. Watch yourself.",
        "You're a worthless excuse for a doctor.",
        "Go die in a ditch, {colleague}, you and your stupid protocols.",
        "{docfull} is a pathetic loser who should lose their license.",
        "You are such an incompetent fool, I can't believe they let you operate.",
        "Shut up, {colleague}. Nobody asked for your opinion, you clown.",
        "I'm going to make sure you never work in this town again, {colleague}.",
    ],
    "sexual": [
        "The new nurse on 5 West is so hot, I'd bang her in the call room.",
        "Send nudes after your shift ;)",
        "Anyone else watch porn on night float to stay awake?",
        "She was wearing those scrubs that show off her tits all day.",
        "Looking for a hookup at the conference, DM me if you're horny.",
        "That intern has a great ass, just saying.",
        "Let's get drunk after the gala and see who ends up in my hotel bed, sexy.",
        "Rate the hottest residents in our program, I'll start: the blonde in ortho.",
    ],
    "shouting": [
        "I AM SO DONE WITH THIS HOSPITAL AND ITS RIDICULOUS POLICIES. NOBODY LISTENS TO US!",
        "STOP SCHEDULING ME FOR FOUR NIGHTS IN A ROW. THIS IS UNSAFE AND YOU KNOW IT.",
        "WHY DOES NOBODY READ THE SIGN-OUT BEFORE CALLING ME AT 3 AM???",
        "ENOUGH WITH THE MANDATORY SURVEYS. WE HAVE PATIENTS TO SEE!!!",
        "THE ADMINISTRATION DOES NOT CARE ABOUT ANY OF US. WAKE UP PEOPLE.",
        "DO NOT EVER TOUCH MY PATIENT LIST AGAIN WITHOUT ASKING ME FIRST.",
        "THIS IS THE WORST RESIDENCY PROGRAM IN THE ENTIRE COUNTRY AND I REGRET EVERY DAY.",
    ],
    "insult": [
        "Nurse practitioners are useless idiots who shouldn't be allowed near patients.",
        "Hospitalists are lazy morons who discharge people to get home early.",
        "All the ER docs in this town are incompetent clowns.",
        "Pharmacists are stupid pill counters who think they are doctors.",
        "Surgeons are arrogant idiots, every single one of them.",
        "Administrators are worthless parasites sucking the life out of medicine.",
        "Family med docs are dumb and lazy, they refer everything.",
        "{docfull} is a clueless hack and an embarrassment to the profession.",
    ],
}

SLURS = [
    "retard",
    "retarded",
    "faggot",
    "dyke",
    "tranny",
    "spic",
    "chink",
    "gook",
    "wetback",
    "kike",
    "raghead",
    "towelhead",
    "nigger",
    "coon",
    "beaner",
    "gypsy",
]

OVERSHARING_TEMPLATES: dict[str, list[str]] = {
    "home_address": [
        "Housewarming this Saturday at our new place, {venue}! Colleagues welcome.",
        "Finally closed on the house — we live at {street} now, drop by anytime.",
        "My home address for the holiday cards is {venue}.",
        "If anyone wants to carpool to the conference I'm at {street}, leaving at 6.",
        "Send the signed forms to my house, {venue}.",
        "Our home at {street} is hosting the residents' potluck, bring a dish!",
    ],
    "personal_phone": [
        "Text me on my personal cell, {phone}, if you want to swap shifts.",
        "My cell is {phone}, call anytime, even weekends.",
        "Here's my personal number {phone} — don't use the hospital line.",
        "You can reach me at home at {phone} after 8.",
        "My mobile: {phone}. WhatsApp works too.",
        "Lost my phone last week, my new cell number is {phone}.",
    ],
    "personal_email": [
        "Email me at my personal address {email}, the hospital one is filtered.",
        "My personal email is {email} if you want the slides.",
        "Use my gmail, {email}, for anything non-work.",
        "Reach out any time at {email} (personal, I check it daily).",
        "Send me the pics at {email}, that's my home email.",
    ],
    "travel": [
        "Off to Hawaii with the whole family from {date} to {date2}! House will be empty for two weeks.",
        "We'll be in Italy {date} through {date2}, nobody home, so the mail can wait.",
        "Leaving for a month in Portugal on {date}; the house is empty until we're back.",
        "Out of the country {date} to {date2} — first vacation in years, whole family coming.",
        "Heading to Cancun on {date} with the kids, back {date2}. The dog is with my sister, house all locked up!",
        "Away from home from {date} to {date2} for a family cruise. Pray for our plants, nobody's there to water them.",
    ],
    "children_school": [
        "So proud of my daughter, she starts kindergarten at Lincoln Elementary on Monday!",
        "Picking up my son from Oakwood Middle School at 3:15 every day this week, so no afternoon clinic.",
        "My kids go to St. Mary's Academy on Elm Street — any parents from there in this group?",
        "Volunteering at my daughter's school, Jefferson Elementary, on Friday mornings.",
        "My son's soccer team at Roosevelt High won state! He's the goalie, number 12.",
        "Our twins (age 7) are in Mrs. Keller's class at Brookside Elementary if anyone's kids are too.",
    ],
}

BENIGN_TEMPLATES: dict[str, list[str]] = {
    "grand_rounds": [
        "Grand rounds this {day} at 8 am in {room}: {docfull} on {topic}. Breakfast provided.",
        "Medicine Grand Rounds, {date}, 12:00–1:00 pm. Speaker: {docfull}, '{topic}'. CME credit available.",
        "Join us for {spec} grand rounds on {date}. {docfull} will present a case series on {topic}.",
        "Reminder: no grand rounds next week; resumes {date} with {docfull} on {topic}.",
        "Pediatric grand rounds {day}: 'Updates in {topic}' presented by {docfull}, {room}.",
        "Surgery grand rounds recording is up. {docfull} presented outcomes for {n} patients with {topic}.",
        "This week's M&M conference: de-identified cases only, {room}, 7 am.",
    ],
    "cme_phone": [
        "CME questions? Call the CME office at {tollfree} or visit the learning portal.",
        "Register for the {topic} course by phone at {phone} (CME office, weekdays 9–5).",
        "To claim your CME credits, call {tollfree} and have your attendance code ready.",
        "Our CME line {phone} is staffed Monday–Friday. Credits post within 2 weeks.",
        "The board review course hotline is {tollfree}; early-bird pricing ends {date}.",
        "For accommodations at the symposium contact the CME coordinator at {phone}.",
    ],
    "journal_url": [
        "Great paper on {topic}: {journal} — changes how I think about follow-up.",
        "Journal club this {day} will cover {journal}. Please read the methods section.",
        "New RCT out today {journal}. Effect size is modest but the population is relevant.",
        "Our group's paper on {topic} is finally published! {journal}",
        "Useful review for residents: {journal} (open access).",
        "Interesting secondary analysis — {journal}. n = {n}00, {pct}% relative risk reduction.",
    ],
    "job_post": [
        "We're hiring! Full-time {spec} physician at {hosp}, {city}. Email {workemail} with your CV.",
        "Now recruiting two {spec} fellows for July {year}. Questions: {workemail} or {phone}.",
        "{hosp} seeks a part-time locum in {spec}. Flexible schedule, competitive pay. Contact {workemail}.",
        "Open position: medical director of our {spec} clinic in {city}. Apply by {date}.",
        "Job alert: academic hospitalist, 7-on/7-off, {city}. Call our recruiter at {phone}.",
        "Our practice is expanding — looking for an NP or PA with {spec} experience. {workemail}",
        "Nocturnist opening at {hosp}. Sign-on bonus. Interviews start {date}; recruiting office {tollfree}.",
    ],
    "npi": [
        "My NPI is {npi} for anyone who needs it for the referral form.",
        "Updated my profile — NPI {npi}, board certified in {spec}.",
        "{spec} attending at {hosp}. NPI: {npi}.",
        "For the credentialing packet: my NPI number is {npi}, license active in {state}.",
        "New practice, same NPI ({npi}). Referrals welcome.",
    ],
    "colleagues": [
        "Congratulations to {docfull} on being named chief of {spec}!",
        "Huge thanks to {colleague} and {colleague2} for covering my clinic this week.",
        "Welcome {docfull}, our newest {spec} attending, joining from {hosp}.",
        "{docfull} presented our quality improvement project on {topic} at the regional meeting.",
        "Had a great lunch with {colleague} discussing a research collaboration on {topic}.",
        "Proud of our residents {colleague} and {colleague2} — both matched into {spec} fellowships!",
        "Thank you {docfull} for mentoring me through my first year as an attending.",
        "Retirement party for {docfull} on {date} after {n} years at {hosp}. All welcome.",
    ],
    "conference_dates": [
        "Heading to the ACC meeting in {city}, {date}–{date2}. Who else is going?",
        "Save the date: {spec} regional conference, {date} to {date2}, {city}.",
        "Abstract deadline for the spring meeting is {date}. Submissions open now.",
        "I'll be presenting a poster at the national meeting on {date}. Come say hi at board {n}.",
        "Our society's annual meeting runs {date}–{date2} in {city}; early registration closes soon.",
        "Anyone attending the {topic} workshop on {date}? Looking for a roommate at the conference hotel.",
        "The symposium is at {venue} on {date}. Parking is validated.",
    ],
    "anatomy": [
        "Breast cancer screening update: new guidance starts mammography at 40.",
        "Teaching point: always document the rectal exam and stool guaiac when you suspect a GI bleed.",
        "Penile and scrotal exams are part of a complete adolescent physical; don't skip them.",
        "Vaginal delivery after cesarean (VBAC) is safe for many patients; counsel early.",
        "Taking a sexual health history is a core skill. Ask about partners, practices and protection.",
        "Erectile dysfunction can be the first sign of cardiovascular disease in men over 40.",
        "Anal fissures usually heal with fiber, sitz baths and topical nifedipine.",
        "Testicular torsion is a clinical diagnosis; don't wait for the ultrasound.",
        "Nipple discharge that is bloody or unilateral needs imaging.",
        "Dyspareunia after menopause is common and treatable; ask about painful intercourse.",
        "New workshop on teaching the pelvic exam with standardized patients, including the cervix and labia.",
        "Cervical cancer screening intervals changed again — summary of the guideline here.",
        "Great talk on gender-affirming care and the sexual history for trans and gay patients.",
        "Premature ejaculation and low libido are underreported; screen with a validated tool.",
        "Review of urinary incontinence: stress vs urge, and when to refer to urogynecology.",
    ],
    "deidentified_case": [
        "Interesting case: {age}M with {dx}, {lab}. Would you start {drug}?",
        "{age}F presented with {cc}; workup showed {dx}. What would you do next?",
        "Teaching case: a man in his {decade}s with {cc} and {vitals}. Differential?",
        "Curbside: {age} y/o with {dx} on {drug}, {lab}. Hold or continue?",
        "Case for the residents: {age}yo, {cc}, ECG attached (de-identified). Diagnosis?",
        "Patient in their {decade}s admitted with {dx}; {lab}. Any experience with this?",
        "M&M pearl: a {age}-year-old with {dx} was discharged too early. Lessons learned below.",
        "{age}M, s/p CABG, presents with {cc}. {vitals}. Thoughts on management?",
        "Admitted a young woman with {dx} overnight. {lab}. Reminder to check a lipase.",
        "An 85-year-old with {dx} taught me more about goals of care than any lecture.",
        "A patient in her 70s with {dx} asked the best question today: what matters most to you?",
    ],
    "clinical_numbers": [
        "Dosing reminder: {drug} at 0.5 mg/kg, max 40 mg. Check Cr clearance first.",
        "Our sepsis bundle compliance went from {pct}% to {pct2}% after the new order set.",
        "Target BP < 130/80 for most adults per the {year} guideline.",
        "NCT0{d7} is recruiting for {topic}; ask me about eligibility criteria.",
        "ICD-10 code I50.32 vs I50.33 — documentation matters for HFpEF.",
        "Ferritin below 30 ng/mL is iron deficiency until proven otherwise.",
        "Q{n}: what is the number needed to treat in the trial? (Hint: 1 / 0.0{n2})",
        "Door-to-balloon time in {year}: median {n} minutes, 90th percentile {n2}.",
        "PMID 3{d7} is the original trial; the follow-up is PMID 3{d72}.",
        "CPT 99223 vs 99233: new admission vs subsequent visit, know the difference.",
        "Shift schedule: 0700–1900, handoff at 1845 in Room 4B, pager 4-{d4}.",
    ],
    "institutional_contact": [
        "For residency application questions email {workemail} — coordinators reply within 2 days.",
        "Volunteer shifts at the free clinic: sign up via {workemail} or call {phone}.",
        "The patient safety hotline ({tollfree}) is anonymous and open 24/7.",
        "Questions about the mentoring program? Reach our program office at {workemail}.",
        "Event venue: {venue}. Free parking in the north garage.",
        "The clinic moved to {venue}; same phone number, {phone}.",
        "Patient Safety Week is {date}–{date2}; lunchtime talks daily in {room}.",
        "Patient experience scores are out for {year}; our unit improved {pct}%.",
    ],
    "own_details": [
        "Call my office at {authorphone} to schedule a consult — new referrals welcome.",
        "You can reach me at {authoremail} about the research collaboration.",
        "Office: {authorphone}. Email: {authoremail}. Clinic Tuesdays and Thursdays.",
        "Happy to talk about {topic}; my work email is {authoremail}.",
        "Referrals to our {spec} clinic: {authorphone} (front desk).",
    ],
    "professional_misc": [
        "Admitted to the {spec} fellowship! Grateful to everyone who wrote letters.",
        "Discharge planning workshop next {day}: how to get patients home safely.",
        "Our hospital added {n} new beds in the step-down unit this {month}.",
        "Presented our poster on {topic} today — thanks for all the questions.",
        "Bed capacity is tight this week; please prioritize early discharges before noon.",
        "Room 12 is the new lactation room on the 3rd floor.",
        "I've been thinking about how we talk about death with families. Any good books?",
        "The new sepsis order set went live on {date}; feedback to the informatics team.",
        "Reminder: flu vaccine clinic for staff on {date} in {room}.",
        "Just passed my boards! Thank you to my study group for the late nights.",
        "Reading about the history of the stethoscope — did you know Laennec invented it in 1816?",
        "Please stop using 'frequent flyer' for patients. Language matters.",
        "Strongly disagree with the new policy, but I respect the committee's work. Here's why.",
        "Volunteering at the free clinic on {date}; we need two more Spanish-speaking clinicians.",
        "CODE LAVENDER debrief is at 3 pm; the ICU team is invited.",
        "Shared an update on ACLS and PALS recertification dates for {year}.",
        "My mentor {docfull} taught me to always sit down when giving bad news.",
        "Happy birthday to our program director {docfull}! Cake in the lounge at noon.",
        "The {year} match results are in — congratulations to all our fourth-years.",
        "Killer lecture by {docfull} on {topic} today. Slides are on the shared drive.",
        "That patient safety talk was the bomb. Sign me up for the next one.",
        "Got humbled by the boards question bank today, but I'm learning.",
    ],
}

BIO_TEMPLATES = [
    "{spec} physician at {hosp} in {city}. Interested in {topic} and mentoring residents.",
    "Hospitalist, educator, runner. Former chief resident. NPI {npi}.",
    "Associate professor of {spec}. Research: {topic}. Office {authorphone}.",
    "Pediatrician in {city}. Mom of two. Passionate about vaccine equity.",
    "Nurse practitioner in {spec}, 12 years at {hosp}. Ask me about {topic}.",
]

CONNECTION_NOTES = [
    "Hi {colleague}, loved your talk on {topic} at the regional meeting — would be glad to connect.",
    "We met at the {spec} conference in {city}; I'd love to stay in touch about {topic}.",
    "Fellow {spec} person here, saw your poster on {topic}. Connecting!",
]

EVENT_DESCRIPTIONS = [
    "Networking evening for early-career {spec} clinicians. {venue}, {date}, 6–8 pm. Light dinner.",
    "Free clinic volunteer shift, {date}. Bring your badge; parking at {venue}.",
    "Workshop: {topic}. Hands-on stations, max {n} participants. CME: 3 credits. Questions: {workemail}.",
]

GROUP_DESCRIPTIONS = [
    "A group for hospitalists in {city} to share resources, jobs and events. No patient identifiers, please.",
    "Women in {spec}: mentorship, sponsorship and career development. Be kind, stay professional.",
    "Residents and fellows interested in {topic}. We post journal articles and meet monthly.",
]


# --------------------------------------------------------------------------------------------
# Second development round. These were first written as a held-out set after the recognizers
# (held-out recall then: 0.70 on patient information, 0.75 on offensive, 1.00 oversharing,
# 0 false warnings); their misses then guided a round of broader rules, so they are now
# development data like the rest. HOLDOUT_2 below took their place.
# --------------------------------------------------------------------------------------------

ROUND2_PHI: dict[str, list[str]] = {
    "name": [
        "Still thinking about {pname} — {age} and so scared before the cath. She made it.",
        "Can't stop laughing: {phon} told the whole team about his fishing trip during rounds.",
        "I had to tell {pname}'s family today that the scan showed {dx}.",
        "Visited {pname} on the ward after my shift, she's finally eating again.",
    ],
    "dob": [
        "Outside hospital sent records with the wrong birthday ({dob}) for my pt, anyone seen this?",
        "bday {dob}, {age}F, {dx} — labs attached",
        "The med list in the chart belongs to a different patient born {dob}.",
    ],
    "admission_date": [
        "She's been with us since {adm}, longest ICU stay I've seen for {dx}.",
        "Day 40 in the hospital for my patient, admit date {adm}.",
        "ED bounce-back: seen {adm}, returned with worse {cc}.",
    ],
    "discharge_date": [
        "Finally sent him home {dc} after {dx}, he brought the nurses donuts.",
        "D/C'd {dc}, back in 48 hours with {dx}. Sigh.",
    ],
    "death_date": [
        "My longtime clinic patient died on {death}. Went to the funeral today.",
        "RIP to a wonderful man who passed {death}; he taught me so much about {dx}.",
    ],
    "age_over_89": [
        "Centenarian club! My patient is {age90} and still does crosswords in pen.",
        "{age90} yrs old, independent, admitted for {dx}.",
    ],
    "mrn": [
        "Who has the echo on #{mrn}? Pt w/ {dx}.",
        "Epic keeps crashing when I open MRN{mrn}, anyone else?",
        "pt mrn={mrn}, please addend the note",
    ],
    "health_plan_id": [
        "Denied AGAIN. Her Aetna ID is {hpid} if anyone from Aetna is lurking here.",
        "Patient's insurance card number {hpid}, plan says {drug} is non-formulary.",
    ],
    "mbi": [
        "The new Medicare card for my patient shows {mbi} but the portal has the old HICN.",
        "Trying to verify {mbi} for a home health referral, patient has {dx}.",
    ],
    "ssn": [
        "Registration put the pt's social in the allergy field: {ssn}. Who fixes this?",
        "Pt read me her social ({ssn}) over the phone so we could find her chart.",
        "SSN on the outside records ({ssn}) does not match our patient.",
    ],
    "phone": [
        "If the daughter calls, her number is {pphone}, she's the decision maker for my pt.",
        "Pt's wife keeps calling from {pphone} asking for updates, who's covering tonight?",
        "Texting the patient at {pphone} worked better than the portal for her {dx} follow-up.",
    ],
    "fax": [
        "Family asked for the records by fax — {pfax} — for my pt with {dx}.",
        "Pt's lawyer wants the chart faxed to {pfax}.",
    ],
    "email": [
        "The patient emailed me directly at work from {pemail}, is that ok to answer?",
        "Pt's daughter ({pemail}) wants to be on the care team thread.",
    ],
    "address": [
        "Wellness check: EMS went to {paddrfull} and found my patient down.",
        "Home hospice set up at {paddr} for my pt, family is amazing.",
    ],
    "zip": [
        "Half my diabetic patients live in {pzip} and there's no grocery store there.",
        "My patient moved to zip {pzip}, now 3 hours from dialysis.",
    ],
    "account": [
        "Pt got a $40k bill, account {acct}, for a 6-hour obs stay. Unreal.",
    ],
    "licence": [
        "Pt's license # {lic} — must report to DMV after second seizure.",
    ],
    "device": [
        "Interrogated my patient's ICD, serial {dev}, lots of VT overnight.",
    ],
    "vehicle": [
        "Patient's car (tag {plate}) got towed from the ED bay while he was in the cath lab.",
    ],
}

ROUND2_BENIGN: list[str] = [
    "Just gave my first talk at grand rounds! Thank you {docfull} for the slides feedback.",
    "Reminder that HIPAA applies to group chats too. De-identify before you share.",
    "Our clinic phone tree is confusing patients; anyone redesigned theirs? Ours: {phone}.",
    "Looking for co-authors for a retrospective review of {topic}. DM me.",
    "Unpopular opinion: 12-hour shifts are safer than 8s. Discuss.",
    "Our ED saw {n}0 patients yesterday, a new record. Please thank your nurses.",
    "CME webinar on {topic} tonight at 7; register at https://www.acponline.org/cme.",
    "Fellowship interviews start {date}. Program coordinator: {workemail}.",
    "How do you all handle patients who bring printed Google results? I love it honestly.",
    "Looking for a mentor in {spec}: early-career, interested in QI.",
    "Our group is hosting a free BP screening at the library on {date}.",
    "My NPI changed after I moved states? Is that even possible? (It isn't — it's national.)",
    "The 90-day readmission rate for our HF clinic dropped to {pct}%.",
    "A 45-year-old with chest pain and a normal ECG still deserves a troponin.",
    "Patients over 65 are the fastest-growing group in our clinic.",
    "The breast surgery team is hiring a nurse navigator. Apply via the careers page.",
    "New fellowship in sexual and reproductive health opens applications {date}.",
    "Thanks to {colleague} from the lab for the turnaround on those cultures.",
    "Happy Doctors' Day to everyone in this group!",
    "I'll be at the {city} meeting {date}–{date2}; anyone want to grab coffee?",
    "PSA: the new {drug} shortage means switching protocols by Friday.",
    "Office hours for students moved to Thursday 4 pm, room 210.",
    "Does anyone have a good patient handout on {topic} in Spanish?",
    "Admitted to the hospital medicine fellowship class of {year}!",
    "The patient experience team wants our feedback by {date}.",
    "Just published our case series (n = {n}) on {topic}: {journal}",
    "Contact our referral line at {tollfree} for urgent consults.",
    "Interesting ECG from a 60-something runner with syncope. De-identified, attached.",
    "Kudos to the night nurses on 6 North, they caught a STEMI in the hallway.",
    "Residents: the duty-hour survey closes {date}. Please fill it out.",
]

ROUND2_OFFENSIVE: dict[str, list[str]] = {
    "profanity": [
        "This fucking pager, I swear.",
        "Admin sent another useless survey. Give me a break, shit.",
    ],
    "harassment": [
        "Hey {colleague}, maybe stop being such an idiot on rounds.",
        "{docfull} is the most incompetent fool I've ever worked with.",
    ],
    "insult": ["Residents these days are lazy and useless, every single one."],
    "sexual": ["Who else thinks the new PA is sexy? Asking for a friend."],
    "slur": ["The unit was full of {slur}s today, what a mess."],
    "shouting": ["WHY IS THE PYXIS ALWAYS EMPTY WHEN I NEED IT. FIX IT ALREADY."],
}

ROUND2_OVERSHARING: dict[str, list[str]] = {
    "home_address": ["Dropping off the baby gifts? We're at {venue}, come by after 5."],
    "personal_phone": ["Call my cell {phone} if you want to cover my Saturday."],
    "personal_email": ["My personal email is {email}, work blocks attachments."],
    "travel": ["Family trip to Disney {date} to {date2}, the house will be empty so feed my cat?"],
    "children_school": ["My son just started at Lakeside Elementary, any other parents here?"],
}


# --------------------------------------------------------------------------------------------
# Held-out templates (second set): written before the second round of rule changes and never
# used to change a rule; ``evaluate.py --holdout`` reports them, not a gate.
# --------------------------------------------------------------------------------------------

HOLDOUT_PHI: dict[str, list[str]] = {
    "name": [
        "Update on {pname}: extubated this morning, family in tears (good ones).",
        "Does anyone know if {phon} from the 4th floor ever got her PT eval?",
        "Hospice conversation with {pname} and her kids went better than I feared.",
        "Sign-out: {pname}, {age}{sex}, {dx}, watch the K.",
    ],
    "dob": [
        "Her DOB is {dob} but the band says otherwise — patient ID error caught by pharmacy.",
        "{pname} DOB {dob} needs a callback about the biopsy.",
        "Birthdate on the consent ({dob}) doesn't match my pt's chart.",
    ],
    "admission_date": [
        "Pt admitted {adm} for {dx}; still no bed upstairs.",
        "Our patient came to the ED on {adm} with {cc} and never left the unit.",
    ],
    "discharge_date": [
        "Pt discharged home {dc}; readmitted with {dx} within the week.",
        "My patient's discharge date was {dc} and pharmacy never filled the {drug}.",
    ],
    "death_date": [
        "Pt died on {death} after a long fight with {dx}. Grateful to have known her.",
        "Time of death {time} on {death}; family was with him.",
    ],
    "age_over_89": [
        "Admitted a {age90} year old today for {dx}, sharp as a tack.",
        "My oldest patient ever, {age90}M, {dx}, wants to go home to his garden.",
    ],
    "mrn": [
        "Radiology lost the images for MRN {mrn}, can someone re-push?",
        "Does the pt with MRN#{mrn} have a code status on file?",
        "Rounding list: MRN {mrn} — {dx} — needs dispo.",
    ],
    "health_plan_id": [
        "Pt's Medicaid member number is {hpid}; the MCO keeps dropping him.",
        "UHC member ID {hpid} — need a peer-to-peer for my patient's {drug}.",
    ],
    "mbi": [
        "Pt's MBI is {mbi}, CMS portal says inactive.",
        "Medicare ID {mbi} on the DME order for my patient with {dx}.",
    ],
    "ssn": [
        "Patient SSN {ssn} is on the fax cover sheet we got — is that a breach?",
        "Billing asked me for the pt's social: {ssn}. Why would they ask a doctor?",
        "Duplicate chart: same SSN ({ssn}) for two patients with {dx}.",
    ],
    "phone": [
        "Pt gave me her cell ({pphone}) to text her the results — allowed?",
        "Patient's son's number is {pphone}, please loop him in for the family meeting.",
        "Can't reach my patient at {pphone} after her {dx} discharge, any ideas?",
    ],
    "fax": [
        "Pt's daughter asked for the forms at her fax, {pfax}.",
    ],
    "email": [
        "Patient wants lab results sent to {pemail} — is email ok for that?",
        "My pt's wife keeps emailing me from {pemail} about his {dx}.",
    ],
    "address": [
        "Pt's home at {paddr} has stairs only; PT says she can't go back.",
        "Mobile crisis sent to my patient's address, {paddrfull}.",
    ],
    "zip": [
        "Patient lives in {pzip}; nearest dialysis is 70 miles away.",
    ],
    "account": [
        "Pt's billing account #{acct} shows a charge for a test she never had.",
    ],
    "licence": [
        "My patient's driver's license number {lic} was copied into the wrong chart.",
    ],
    "device": [
        "Pt's pump serial {dev} is on the FDA recall; who do I notify?",
    ],
    "vehicle": [
        "Pt left his truck (VIN {vin}) in the ambulance bay before the cath.",
    ],
}

HOLDOUT_BENIGN: list[str] = [
    "Quick poll: how many of you use scribes? Our group is piloting them in {month}.",
    "Thanks {docfull} for the excellent M&M today — no names, all lessons.",
    "If you're in {city} for the conference, our lab is hosting a reception at {venue}.",
    "Interesting case of {dx} in a 50-year-old runner; full write-up coming in the journal.",
    "Job: nocturnist, {city}, 7-on/7-off. Questions to our recruiter, {phone}.",
    "My NPI lookup shows my old address — how long does NPPES take to update?",
    "Residents, the board review course is {date}–{date2}; CME office is {tollfree}.",
    "The ICU now has {n} beds; thanks to facilities for the fast build-out.",
    "Our patients over 90 deserve geriatric consults, full stop.",
    "Who else thinks prior auth is a patient safety issue? Data: {journal}",
    "Teaching pearl: a 70-year-old with new back pain and anemia needs a myeloma workup.",
    "Finally finished my DEA renewal. Don't let yours lapse!",
    "We're recruiting patients for the {topic} trial — eligibility at https://clinicaltrials.gov.",
    "Testicular self-exam education for teens: new handout from our clinic.",
    "Colposcopy clinic moved to Tuesdays; cervical screening backlog is clearing.",
    "Dr. Patel and I are co-teaching the ultrasound course on {date}.",
    "Shout-out to Maria and Tom in pharmacy for catching that interaction.",
    "ED volumes were up {pct}% this winter; staffing plan attached.",
    "Congrats to our chief residents for {year}!",
    "Anyone have a template for a goals-of-care note? Ours is clunky.",
]

HOLDOUT_OFFENSIVE: dict[str, list[str]] = {
    "profanity": ["Holy crap, the new schedule is a disaster.", "Screw this, I'm done with Epic."],
    "harassment": [
        "{docfull}, you're a total disgrace to this department.",
        "Watch your back, {colleague}. I know where you park.",
    ],
    "insult": ["Pharmacists here are clueless and arrogant."],
    "sexual": ["Rate the nurses on 7 North, hottest first."],
    "slur": ["Don't give me any more {slur} patients tonight."],
    "shouting": ["I DID NOT SIGN UP FOR THIS AND I WILL NOT COVER ANOTHER WEEKEND."],
}

HOLDOUT_OVERSHARING: dict[str, list[str]] = {
    "home_address": ["Package for the gift exchange can go to my house: {venue}."],
    "personal_phone": ["Here's my personal number, {phone} — text anytime."],
    "personal_email": ["Use my personal email {email} for the wedding invite."],
    "travel": ["Gone {date} to {date2} on our honeymoon, nobody will be home, so no visitors!"],
    "children_school": ["Our kids both go to Hillside Academy, pickup is chaos."],
}


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


def _author(g: Gen) -> dict[str, Any]:
    first, last = g.fake.first_name(), g.fake.last_name()
    return {
        "author_name": f"{first} {last}",
        "author_npi": g.npi(),
        "author_phones": [g.phone()],
        "author_emails": [
            f"{first[0].lower()}{last.lower()}@{g.pick(['mgh.harvard.edu', 'uchicago.edu', 'kp.org', 'dukehealth.org'])}"
        ],
        "colleague_names": [],
    }


def _extra(g: Gen) -> dict[str, str]:
    decade = str(g.r.randint(3, 8) * 10)
    first = g.date(2025, 2026)
    # A date range is written one way at both ends ("June 3 to June 17").
    style = g.r.randrange(100)
    date = g.fmt_date(first, style=style)
    date2 = g.fmt_date(first + dt.timedelta(days=g.r.randint(2, 16)), style=style)
    return {
        "date": date,
        "date2": date2,
        "colleague2": g.colleague(),
        "pct2": str(g.r.randint(50, 99)),
        "n2": str(g.r.randint(2, 90)),
        "d7": g.digits(7),
        "d72": g.digits(7),
        "d4": g.digits(4),
        "decade": decade,
    }


def _make(
    g: Gen,
    group: str,
    template_id: str,
    template: str,
    kind: str = "post",
    labels_extra: list[dict[str, Any]] | None = None,
    verdict: str = "ok",
    fixed: dict[str, str] | None = None,
) -> Item:
    author = _author(g)
    fixed_all = {
        **_extra(g),
        "authorphone": author["author_phones"][0],
        "authoremail": author["author_emails"][0],
        **(fixed or {}),
    }
    text, labels, values = fill(g, template, fixed_all)
    context = {"kind": kind, **author}
    # Half the time the colleagues named in the text are among the author's connections (the
    # integration passes those names); the other half the guard must manage without them.
    if g.r.random() < 0.5:
        context["colleague_names"] = [
            values[slot].removeprefix("Dr. ")
            for slot in ("colleague", "colleague2", "docfull", "doc")
            if slot in values
        ]
    return Item(group, template_id, text, labels + (labels_extra or []), context, verdict)


def build(seed: int = SEED) -> list[dict[str, Any]]:
    """Return the corpus as a list of JSON-ready dicts (deterministic for ``seed``)."""
    g = Gen(seed)
    items: list[Item] = []

    # Patient information: several passes over every template of every kind.
    kinds = list(PHI_TEMPLATES)
    passes = {"ssn": 9, "mrn": 7, "email": 10, "phone": 10, "dob": 8, "name": 4}
    for kind in kinds:
        templates = PHI_TEMPLATES[kind]
        for _ in range(passes.get(kind, 5)):
            for index, template in enumerate(templates):
                kind_of_post = g.pick(["post", "post", "comment", "reply", "thread", "message"])
                items.append(
                    _make(g, "phi", f"phi.{kind}.{index}", template, kind_of_post, verdict="block")
                )
    for _ in range(6):
        for index, template in enumerate(PHI_MULTI_TEMPLATES):
            items.append(_make(g, "phi", f"phi.multi.{index}", template, "post", verdict="block"))

    # Offensive content.
    for _ in range(2):
        for kind, templates in OFFENSIVE_TEMPLATES.items():
            for index, template in enumerate(templates):
                fixed = {"slur": g.pick(SLURS)} if "{slur}" in template else {}
                label = {"category": "offensive", "kind": kind}
                items.append(
                    _make(
                        g,
                        "offensive",
                        f"offensive.{kind}.{index}",
                        template,
                        g.pick(["post", "comment", "reply", "message"]),
                        [label],
                        "warn",
                        fixed,
                    )
                )

    # Oversharing.
    for _ in range(3):
        for kind, templates in OVERSHARING_TEMPLATES.items():
            for index, template in enumerate(templates):
                fixed = {"street": g.street(), "email": g.email_personal(g.colleague())}
                label = {"category": "oversharing", "kind": kind}
                items.append(
                    _make(
                        g,
                        "oversharing",
                        f"oversharing.{kind}.{index}",
                        template,
                        g.pick(["post", "comment", "message", "bio"]),
                        [label],
                        "warn",
                        fixed,
                    )
                )

    # Benign.
    for _ in range(4):
        for kind, templates in BENIGN_TEMPLATES.items():
            for index, template in enumerate(templates):
                items.append(
                    _make(
                        g,
                        "benign",
                        f"benign.{kind}.{index}",
                        template,
                        g.pick(["post", "post", "comment", "thread", "reply"]),
                    )
                )
    for _ in range(3):
        for kind, templates in (
            ("bio", BIO_TEMPLATES),
            ("connection_note", CONNECTION_NOTES),
            ("event_description", EVENT_DESCRIPTIONS),
            ("group_description", GROUP_DESCRIPTIONS),
        ):
            for index, template in enumerate(templates):
                items.append(_make(g, "benign", f"benign.{kind}.{index}", template, kind))

    # Second development round (the first held-out set; see ROUND2_PHI).
    items.extend(
        _templated(
            Gen(seed + 1),
            ROUND2_PHI,
            ROUND2_BENIGN,
            ROUND2_OFFENSIVE,
            ROUND2_OVERSHARING,
            "round2",
            4,
        )
    )
    return _rows(items)


def _rows(items: list[Item]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for item in items:
        key = item.template.rsplit(".", 1)[0].replace(".", "-")
        counters[key] = counters.get(key, 0) + 1
        out.append(
            {
                "id": f"{key}-{counters[key]:03d}",
                "group": item.group,
                "template": item.template,
                "text": item.text,
                "context": item.context,
                "labels": item.labels,
                "expected_verdict": item.expected_verdict,
            }
        )
    return out


def build_holdout(seed: int = SEED + 2) -> list[dict[str, Any]]:
    """The held-out corpus (same shape as ``build()``)."""
    return _rows(
        _templated(
            Gen(seed),
            HOLDOUT_PHI,
            HOLDOUT_BENIGN,
            HOLDOUT_OFFENSIVE,
            HOLDOUT_OVERSHARING,
            "holdout",
            4,
        )
    )


def _templated(
    g: Gen,
    phi: dict[str, list[str]],
    benign: list[str],
    offensive: dict[str, list[str]],
    oversharing: dict[str, list[str]],
    prefix: str,
    passes: int,
) -> list[Item]:
    """Items from one set of templates of each group, ``passes`` times over."""
    items: list[Item] = []
    for _ in range(passes):
        for kind, templates in phi.items():
            for index, template in enumerate(templates):
                template_id = f"{prefix}.phi.{kind}.{index}"
                items.append(_make(g, "phi", template_id, template, "post", verdict="block"))
        for index, template in enumerate(benign):
            items.append(_make(g, "benign", f"{prefix}.benign.{index}", template, "post"))
        for kind, templates in offensive.items():
            for index, template in enumerate(templates):
                fixed = {"slur": g.pick(SLURS)} if "{slur}" in template else {}
                label = [{"category": "offensive", "kind": kind}]
                template_id = f"{prefix}.offensive.{kind}.{index}"
                items.append(
                    _make(g, "offensive", template_id, template, "comment", label, "warn", fixed)
                )
        for kind, templates in oversharing.items():
            for index, template in enumerate(templates):
                fixed = {"email": g.email_personal(g.colleague())}
                label = [{"category": "oversharing", "kind": kind}]
                template_id = f"{prefix}.oversharing.{kind}.{index}"
                items.append(
                    _make(g, "oversharing", template_id, template, "post", label, "warn", fixed)
                )
    return items


def dumps(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if corpus.jsonl is stale")
    parser.add_argument("--out", type=Path, default=CORPUS_PATH)
    parser.add_argument("--holdout-out", type=Path, default=HOLDOUT_PATH)
    args = parser.parse_args(argv)
    stale = False
    for path, rows in ((args.out, build()), (args.holdout_out, build_holdout())):
        content = dumps(rows)
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != content:
                print(
                    f"{path} is stale: run python -m rounds.guard.corpus.generate", file=sys.stderr
                )
                stale = True
            else:
                print(f"{path} is up to date")
            continue
        path.write_text(content, encoding="utf-8")
        print(f"wrote {len(rows)} texts to {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
