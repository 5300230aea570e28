"""Our own recognizers for patient identifiers (HIPAA Safe Harbor) and the shapes they share.

Every recognizer is a pure function ``text -> list[Candidate]``. A candidate is an identifier
*shape* (a date after "DOB", a number after "MRN", a name after "my patient"); whether it is
patient information is decided later, with the patient-context score (``patient_context``) and
the policy (``policy``). Presidio's pattern recognizers supply the candidates for SSNs, e-mail
addresses, phone numbers and Medicare beneficiary IDs (see ``presidio_backend``); the regular
expressions here for those kinds are the fallback measured against Presidio in
``evaluate.py --compare``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._words import words

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Candidate:
    """An identifier shape at ``text[start:end]``.

    ``kind``: ssn, mrn, mbi, health_plan_id, dob, admission_date, discharge_date, death_date,
    date, age_over_89, name, phone, fax, email, address, zip, account, licence, device, vehicle.
    ``labelled``: introduced by its own label ("SSN", "MRN", "DOB", "member ID", …), which
    makes it high-confidence. ``confidence`` is the shape's own confidence in [0, 1].
    """

    kind: str
    start: int
    end: int
    confidence: float
    labelled: bool = False
    source: str = "rounds"
    detail: str = ""


# --------------------------------------------------------------------------------------------
# Shared shapes
# --------------------------------------------------------------------------------------------

MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
DATE_PATTERN = (
    r"(?:"
    rf"\b(?:0?[1-9]|1[0-2])[/-](?:0?[1-9]|[12]\d|3[01])(?:[/-](?:{_YEAR}|\d{{2}}))?\b(?![/-]\d)"
    rf"|\b{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"
    rf"|\b{MONTHS}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?"
    rf"|\b{_DAY}\s+{MONTHS}(?:,?\s+{_YEAR})?\b"
    r")"
)
DATE_RE = re.compile(DATE_PATTERN, _I)

URL_RE = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"']+|\b(?:doi\.org|pubmed\.ncbi\.nlm\.nih\.gov)/[^\s<>\"']+",
    _I,
)
EMAIL_RE = re.compile(
    r"\b[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}\b"
)
# North American numbers in the ways people write them, optional extension.
PHONE_RE = re.compile(
    r"(?<![\w/.+-])(?:\+?1[\s.-]?)?(?:\(\s?[2-9]\d{2}\s?\)\s?|[2-9]\d{2}[\s.-]?)[2-9]\d{2}"
    r"[\s.-]?\d{4}(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?(?![\w/-]|\.\d)",
    _I,
)
SSN_RE = re.compile(r"(?<![\w-])(\d{3})([- .]?)(\d{2})\2(\d{4})(?![\w-])")
_MBI_LETTER = "ACDEFGHJKMNPQRTUVWXY"
MBI_RE = re.compile(
    rf"\b[1-9][{_MBI_LETTER}][0-9{_MBI_LETTER}]\d-?[{_MBI_LETTER}][0-9{_MBI_LETTER}]\d-?"
    rf"[{_MBI_LETTER}]{{2}}\d{{2}}\b"
)

# USPS Publication 28, Appendix C1: the common street suffixes and their abbreviations.
STREET_SUFFIXES = words(
    """
    Alley Aly Annex Anx Arcade Arc Avenue Ave Av Bayou Byu Beach Bch Bend Bnd Bluff Blf Bluffs
    Bottom Btm Boulevard Blvd Branch Br Bridge Brg Brook Brk Brooks Burg Burgs Bypass Byp Camp
    Cp Canyon Cyn Cape Cpe Causeway Cswy Center Ctr Centers Circle Cir Circles Cliff Clf Cliffs
    Club Clb Common Commons Corner Cor Corners Cors Course Crse Court Ct Courts Cove Cv Coves
    Creek Crk Crescent Cres Crest Crossing Xing Crossroad Curve Dale Dl Dam Divide Dv Drive Dr
    Drives Estate Est Estates Expressway Expy Extension Ext Fall Falls Fls Ferry Fry Field Fld
    Fields Flds Flat Flt Flats Ford Frd Fords Forest Frst Forge Frg Forges Fork Frk Forks Fort
    Ft Freeway Fwy Garden Gdn Gardens Gdns Gateway Gtwy Glen Gln Glens Green Grn Greens Grove
    Grv Groves Harbor Hbr Harbors Haven Hvn Heights Hts Highway Hwy Hill Hl Hills Hls Hollow
    Holw Inlet Island Is Islands Iss Isle Junction Jct Junctions Key Ky Keys Knoll Knl Knolls
    Lake Lk Lakes Lks Land Landing Lndg Lane Ln Light Lgt Lights Loaf Lock Lck Locks Lodge Ldg
    Loop Mall Manor Mnr Manors Meadow Mdw Meadows Mdws Mews Mill Ml Mills Mission Msn Motorway
    Mount Mt Mountain Mtn Mountains Neck Nck Orchard Orch Oval Overpass Park Parks Parkway Pkwy
    Parkways Pass Passage Path Pike Pine Pines Pnes Place Pl Plain Pln Plains Plns Plaza Plz
    Point Pt Points Pts Port Prt Ports Prairie Pr Radial Radl Ramp Ranch Rnch Rapid Rpd Rapids
    Rest Rst Ridge Rdg Ridges River Riv Road Rd Roads Route Rte Row Rue Run Shoal Shl Shoals
    Shore Shr Shores Skyway Spring Spg Springs Spur Square Sq Squares Station Sta Stravenue Stra
    Stream Strm Street St Streets Summit Smt Terrace Ter Throughway Trwy Trace Trce Track Trak
    Trafficway Trfy Trail Trl Trailer Tunnel Tunl Turnpike Tpke Underpass Union Un Unions Valley
    Vly Valleys Via Viaduct Vdct View Vw Views Village Vlg Villages Ville Vista Vis Walk Walks
    Wall Way Ways Well Wl Wells
    """
)
_SUFFIX = "|".join(sorted(set(STREET_SUFFIXES), key=len, reverse=True))
_STREET_WORD = r"(?:[NSEW]\.?\s+)?(?:[A-Z][a-z'’-]+|\d{1,3}(?:st|nd|rd|th))"
_UNIT = r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|#)\s*[A-Za-z0-9-]{1,6})?"
_CITY_STATE_ZIP = (
    r"(?:,\s*[A-Z][A-Za-z.'’ -]{1,30},\s*[A-Z]{2}\.?(?:\s+\d{5}(?:-\d{4})?)?"
    r"|,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
)
ADDRESS_RE = re.compile(
    rf"\b\d{{1,6}}[A-Z]?\s+(?:{_STREET_WORD}\s+){{0,3}}{_STREET_WORD}\s+(?:{_SUFFIX})s?\b\.?"
    rf"{_UNIT}{_CITY_STATE_ZIP}"
)
ZIP_RE = re.compile(r"(?<![\w.,/$-])\d{5}(?:-\d{4})?(?![\w/%-]|[.,]\d)")
_STATE_ABBR = words(
    """
    AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU
    """
)


def _spans(pattern: re.Pattern[str], text: str, group: int = 0) -> Iterable[tuple[int, int]]:
    for match in pattern.finditer(text):
        yield match.start(group), match.end(group)


def url_spans(text: str) -> list[tuple[int, int]]:
    """Spans of URLs (journal links, registration pages): nothing inside them is a patient's."""
    return [(m.start(), m.end()) for m in URL_RE.finditer(text)]


# --------------------------------------------------------------------------------------------
# Labels: a value right after its label is a high-confidence identifier
# --------------------------------------------------------------------------------------------

_SEP = r"\s*(?:#|no\.?|num(?:ber)?\.?|is|was|of|as|on file|:|-|=)?\s*(?:is|as|:|#|=)?\s*\(?\s*"
LABELS: dict[str, re.Pattern[str]] = {
    "ssn": re.compile(
        r"\b(?:SSN|SS\s?#|SS\s?no\.?|soc(?:ial)?\.?\s*sec(?:urity)?\.?(?:\s*(?:number|no\.?|#))?)"
        r"(?:" + _SEP + r"|\s[^.!?\n]{0,30})$",
        _I,
    ),
    "mbi": re.compile(
        r"\b(?:MBI|medicare(?:\s+beneficiary)?(?:\s+(?:ID|identifier|number|no\.?|#|card))?)"
        + _SEP
        + r"(?:\(\s*)?$",
        _I,
    ),
    "phone": re.compile(
        r"\b(?:phone|cell|mobile|tel|telephone|number|call(?:ed)?|reach(?:ed)?|text)\b[^.\n]{0,40}$",
        _I,
    ),
    "fax": re.compile(r"\bfax(?:ed)?\b[^.\n]{0,45}$", _I),
    "email": re.compile(r"\be-?mail(?:ed)?\b[^.\n]{0,40}$", _I),
}


def labelled_before(kind: str, text: str, start: int, window: int = 40) -> bool:
    """Does ``kind``'s label end right before ``start``?"""
    pattern = LABELS.get(kind)
    if pattern is None:
        return False
    return pattern.search(text[max(0, start - window) : start]) is not None


# --------------------------------------------------------------------------------------------
# Label-driven recognizers (no universal shape: the label makes them identifiers)
# --------------------------------------------------------------------------------------------


def _labelled_value(label: str, value: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{label}){_SEP}(?P<value>{value})", _I)


_MRN_RE = _labelled_value(
    r"\bMRN|\bM\.R\.N\.?|\bmedical\s+record(?:\s+(?:number|no\.?|#))?|\bmed\.?\s*rec(?:ord)?\.?"
    r"(?:\s*(?:#|no\.?|number))?|\bchart\s*(?:#|no\.?|number)|\bMR\s*#",
    r"[A-Z]{0,3}\d(?:[\d-]{3,14})\d\b",
)
_HEALTH_PLAN_RE = _labelled_value(
    r"\b(?:member|subscriber|policy|insurance|insurer|health\s+plan|plan|group|medicaid|"
    r"beneficiary|enrollee|BCBS|Aetna|Cigna|Humana|UHC)\s*(?:card\s+)?(?:ID|#|no\.?|number|num)"
    r"(?:\s*(?:#|no\.?|number))?",
    r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,19}\b",
)
_ACCOUNT_RE = _labelled_value(
    r"\b(?:account|acct)\.?(?:\s*(?:#|no\.?|number|num))?",
    r"(?=[A-Z0-9-]*\d{4})[A-Z]?\d[\d-]{3,18}\d\b",
)
_LICENCE_RE = _labelled_value(
    r"\b(?:driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|DL|licen[cs]e)(?:\s*(?:#|no\.?|number))?",
    r"(?=[A-Z0-9-]*\d{3})[A-Z]{0,2}\d[A-Z0-9-]{4,18}\b",
)
_DEVICE_RE = _labelled_value(
    r"\b(?:serial(?:\s*(?:#|no\.?|number))?|S/?N|device\s+(?:ID|serial))",
    r"(?=[A-Z0-9-]*\d{3})[A-Z0-9][A-Z0-9-]{4,19}\b",
)
_PLATE_RE = _labelled_value(
    r"\b(?:licen[cs]e\s+plate|plate|tag)(?:\s*(?:#|no\.?|number))?",
    r"(?=[A-Z0-9 -]*\d)[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5}\b",
)
_VIN_RE = re.compile(
    r"\b(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])(?=[A-HJ-NPR-Z0-9]*\d)[A-HJ-NPR-Z0-9]{17}\b"
)
_VIN_LABEL = re.compile(r"\bVIN\b", _I)


def _label_kind(
    pattern: re.Pattern[str], kind: str, confidence: float
) -> Callable[[str], list[Candidate]]:
    def recognize(text: str) -> list[Candidate]:
        found = []
        for match in pattern.finditer(text):
            value = match.group("value")
            if not any(ch.isdigit() for ch in value):
                continue
            found.append(
                Candidate(kind, match.start("value"), match.end("value"), confidence, True)
            )
        return found

    recognize.__name__ = f"recognize_{kind}"
    return recognize


_recognize_labelled_mrn = _label_kind(_MRN_RE, "mrn", 0.95)
#: "#57-113-722", "#00667938": a record number written with a hash (patient context decides).
_HASH_NUMBER_RE = re.compile(r"(?<![\w#&])#\s?(?P<value>\d(?:[\d-]{5,14})\d)\b")


def recognize_mrn(text: str) -> list[Candidate]:
    found = _recognize_labelled_mrn(text)
    labelled = {(c.start, c.end) for c in found}
    for match in _HASH_NUMBER_RE.finditer(text):
        span = (match.start("value"), match.end("value"))
        if span not in labelled:
            found.append(Candidate("mrn", *span, 0.5, False, detail="hash"))
    return found


recognize_health_plan_id = _label_kind(_HEALTH_PLAN_RE, "health_plan_id", 0.85)
recognize_account = _label_kind(_ACCOUNT_RE, "account", 0.85)
recognize_licence = _label_kind(_LICENCE_RE, "licence", 0.8)
recognize_device = _label_kind(_DEVICE_RE, "device", 0.8)
_recognize_plate = _label_kind(_PLATE_RE, "vehicle", 0.8)


def vin_check_digit_ok(vin: str) -> bool:
    """ISO 3779 / 49 CFR 565 check digit (position 9) of a North American VIN."""
    values = {str(d): d for d in range(10)}
    for letters, first in (("ABCDEFGH", 1), ("JKLMN", 1), ("STUVWXYZ", 2)):
        for offset, letter in enumerate(letters):
            values[letter] = first + offset
    values["P"], values["R"] = 7, 9
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    try:
        total = sum(values[c] * w for c, w in zip(vin.upper(), weights, strict=True))
    except (KeyError, ValueError):
        return False
    check = total % 11
    return vin[8].upper() == ("X" if check == 10 else str(check))


def recognize_vehicle(text: str) -> list[Candidate]:
    found = _recognize_plate(text)
    for match in _VIN_RE.finditer(text):
        labelled = _VIN_LABEL.search(text[max(0, match.start() - 20) : match.start()]) is not None
        valid = vin_check_digit_ok(match.group())
        if labelled or valid:
            found.append(
                Candidate("vehicle", match.start(), match.end(), 0.9 if labelled else 0.7, labelled)
            )
    return found


# --------------------------------------------------------------------------------------------
# Dates tied to a patient, ages over 89
# --------------------------------------------------------------------------------------------

_DOB_LABEL = re.compile(
    r"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|birthday|b-?day|born(?:\s+on)?)\s*"
    r"(?:is|was|of|:|-|\()?\s*$",
    _I,
)
_EVENT_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "death_date",
        re.compile(
            r"\b(?:passed(?:\s+away)?|died|expired|death|deceased|lost\s+(?:a|my|our|the)\s+"
            r"(?:patient|pt)|date\s+of\s+death|time\s+of\s+death|DOD|RIP)\b[^.!?\n]{0,40}$",
            _I,
        ),
    ),
    (
        "discharge_date",
        re.compile(
            r"(?:\b(?:discharged?|discharge\s+date|went\s+home|sent\s+(?:\w+\s+)?home|"
            r"left\s+AMA|AMA|released)\b|\bd/?c(?:'?d|’d|ed)?(?![\w/]))[^.!?\n]{0,40}$",
            _I,
        ),
    ),
    (
        "admission_date",
        re.compile(
            r"\b(?:admitted|admit(?:\s+date)?|admission(?:\s+date)?|readmitted|came\s+in|"
            r"came\s+to\s+the\s+(?:ED|ER|hospital|clinic)|brought\s+in|presented|transferred|"
            r"seen|arrived|returned)\b[^.!?\n]{0,40}$",
            _I,
        ),
    ),
)


def recognize_dates(text: str) -> list[Candidate]:
    """Every date, typed by what it is tied to (birth, admission, discharge, death) if anything."""
    found: list[Candidate] = []
    for match in DATE_RE.finditer(text):
        start, end = match.start(), match.end()
        before = text[max(0, start - 60) : start]
        if _DOB_LABEL.search(before[-24:]):
            found.append(Candidate("dob", start, end, 0.95, True))
            continue
        for kind, label in _EVENT_LABELS:
            if label.search(before):
                found.append(Candidate(kind, start, end, 0.8, True))
                break
        else:
            found.append(Candidate("date", start, end, 0.3))
    return found


_AGE_RE = re.compile(
    r"\b(?P<age>9\d|1[01]\d)\s?(?:-\s?)?(?:y/?o\b|yo(?=[MF]?\b)|yrs?\.?\s?old\b|years?[- ]old\b|"
    r"(?-i:[MF])\b|year\b)"
    r"|\b(?:turned|aged?|age:?)\s+(?P<age2>9\d|1[01]\d)\b"
    r"|\b(?:patient|pt|she|he)\s+(?:is|was|just\s+turned)\s+(?P<age3>9\d|1[01]\d)\b"
    r"(?!\s*(?:%|percent|mg|kg|lbs?|pounds|minutes|min|days|hours|weeks|months|cm|mm|bpm))",
    _I,
)


def recognize_ages(text: str) -> list[Candidate]:
    """Ages over 89 (Safe Harbor: write "90 or older")."""
    found = []
    for match in _AGE_RE.finditer(text):
        group = next(g for g in ("age", "age2", "age3") if match.group(g))
        found.append(Candidate("age_over_89", match.start(group), match.end(group), 0.9, True))
    return found


# --------------------------------------------------------------------------------------------
# Contact details, addresses, ZIP codes (own fallbacks for Presidio's kinds included)
# --------------------------------------------------------------------------------------------


def recognize_ssn(text: str) -> list[Candidate]:
    found = []
    for match in SSN_RE.finditer(text):
        area, sep, group, serial = match.group(1), match.group(2), match.group(3), match.group(4)
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            continue
        labelled = labelled_before("ssn", text, match.start())
        if not sep and not labelled:
            continue
        found.append(Candidate("ssn", match.start(), match.end(), 0.6, labelled))
    return found


def recognize_mbi(text: str) -> list[Candidate]:
    return [
        Candidate("mbi", s, e, 0.5, labelled_before("mbi", text, s))
        for s, e in _spans(MBI_RE, text)
    ]


TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def is_toll_free(number: str) -> bool:
    """North American toll-free numbers belong to organisations, never to a patient."""
    digits = re.sub(r"\D", "", number.split("x")[0].split("ext")[0])
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == 10 and digits[:3] in TOLL_FREE_AREA_CODES


def recognize_phone(text: str) -> list[Candidate]:
    return [Candidate("phone", s, e, 0.6) for s, e in _spans(PHONE_RE, text)]


def recognize_email(text: str) -> list[Candidate]:
    return [Candidate("email", s, e, 0.9) for s, e in _spans(EMAIL_RE, text)]


def recognize_address(text: str) -> list[Candidate]:
    return [Candidate("address", s, e, 0.8) for s, e in _spans(ADDRESS_RE, text)]


_ZIP_LABEL = re.compile(
    r"(?:\bzip(?:\s*code)?|\bpostal\s+code)\s*(?:is|:|#|of)?\s*$"
    r"|\b(?:from|in|resides\s+in|lives\s+in|living\s+in|near)\s+(?:zip\s*(?:code)?\s*)?$"
    rf"|\b(?:{'|'.join(sorted(_STATE_ABBR))}),?\s+$",
    _I,
)


def recognize_zip(text: str) -> list[Candidate]:
    """Five-digit ZIP codes introduced as such ("zip 02118", "lives in 02118", "MA 02118")."""
    found = []
    for match in ZIP_RE.finditer(text):
        before = text[max(0, match.start() - 22) : match.start()]
        if _ZIP_LABEL.search(before):
            found.append(Candidate("zip", match.start(), match.end(), 0.7, True))
    return found


# --------------------------------------------------------------------------------------------
# Patient names
# --------------------------------------------------------------------------------------------

_NAME_WORD = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?"
_NAME = rf"{_NAME_WORD}(?:\s+(?:[A-Z]\.|{_NAME_WORD})){{1,2}}"
_LOWER_NAME = r"[a-z]{2,}\s+[a-z]{2,}"
#: Capitalised words that start sentences or name things, never people.
NOT_NAMES = words(
    """
    a an the this that these those my our your his her their its and or but if of in on at to
    for with from by as is was are were be been has have had do does did will would can could
    should may might must shall not no yes so than then there here when where who whom whose
    which what why how all any each every some many much more most few other another such only
    also just still even very too again once ever never always often sometimes today tonight
    tomorrow yesterday morning evening night week month year day hour pt pts patient patients
    case cases admit admitted presented consult consults update anyone someone everyone nobody
    anybody quick tough sad great new old young good bad monday tuesday wednesday thursday
    friday saturday sunday january february march september october november december ed er icu
    ccu micu sicu pacu ward floor unit bed room rm dob mrn ssn md rn np pa dr doctor nurse team
    family wife husband son daughter mother father brother sister cards renal gi id heme onc
    neuro pulm ortho psych peds ob gyn surgery medicine radiology history exam plan assessment
    impression labs imaging ct mri ekg ecg cxr echo hospital clinic center medical health
    university county general memorial mercy fyi please thanks thank call fax email sent sign
    signout sign-out name dx hx tx rx safety experience care portal advocate advocacy education
    satisfaction services relations access financial navigator centered engagement outcomes flow
    transport registration council committee forum voices stories rights first support group
    program
    """
)
#: Words that never appear inside a person's name.
FUNCTION_WORDS = words(
    """
    a an the this that and or but of in on at to for with from by as is was are were be
    """
)
_HONORIFIC_RE = re.compile(
    rf"\b(?P<hon>Mr|Mrs|Ms|Miss|Mx)\.?\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD})?)"
)
#: What follows a patient's name: demographics, identifiers, a lab value, a patient verb.
_STRONG_DEMOGRAPHICS = (
    r"\s*[,(\-–—]?\s*(?:\d{1,3}\s?(?:[MF]\b|y/?o|yo|-?year)|DOB\b|D\.O\.B|MRN\b|SSN\b|"
    r"(?i:date\s+of\s+birth)|(?i:age)\s+\d)"
)
_PREDICATE = (
    r"\s+(?:presented|was\s+admitted|coded|died|passed\s+away|went\s+home|came\s+in|"
    r"is\s+refusing|was\s+transferred|asked\s+me|wants|finally\s+went|keeps)\b"
)
_POSSESSIVE_LAB = (
    r"['’]s\s+(?i:(?:\w+\s+){0,2}(?:labs?|scan|ct|mri|results?|troponin|lactate|k|na|hgb|wbc|"
    r"cr|glucose|inr|bnp|biopsy|echo|ecg|ekg|family|wife|husband|daughter|son|mother|father|"
    r"kids|children|parents|chart|bed|room)\b)"
)
_CUE_NAME_RE = re.compile(
    r"\b(?i:(?:my|our|the|this)\s+(?:patient|pt)|patient|pt|patient\s+name|pt\s+name|name)"
    rf"\s*[:,-]?\s+(?P<name>{_NAME}|{_LOWER_NAME}(?=\s*[(,]|\s+in\s+(?:room|bed)|"
    rf"{_STRONG_DEMOGRAPHICS}|{_PREDICATE}))",
)
_DEMOGRAPHIC_NAME_RE = re.compile(
    rf"(?<![\w.])(?P<name>{_NAME})(?={_STRONG_DEMOGRAPHICS}|{_POSSESSIVE_LAB}|{_PREDICATE}|"
    r"\s*\(MRN)"
    rf"|(?:^|(?<=\n)|(?<=[.!?:;] ))(?P<lname>{_LOWER_NAME})(?=\s*[,(]{_STRONG_DEMOGRAPHICS})",
    re.MULTILINE,
)
_PROFESSIONAL_BEFORE = re.compile(
    r"(?:\b(?:Dr|Drs|Doctor|Prof|Professor|Nurse|Chaplain|Coach|Rev|Dean|Director|Chief)\.?"
    r"\s+$)",
    _I,
)
_PROFESSIONAL_AFTER = re.compile(
    r"^,?\s*(?:MD|DO|RN|NP|PA-?C?|PhD|PharmD|MBBS|FACP|FACC|APRN|CNM|DNP|MPH)\b"
)


#: Any capitalised first and last name: a patient's only when patient cues are close (policy).
_PLAIN_NAME_RE = re.compile(rf"(?<![\w.])(?:{_NAME_WORD}\s+){{1,2}}{_NAME_WORD}\b(?![.]\w)")
_COLLEGIAL_BEFORE = re.compile(
    r"\b(?:thanks?|thank\s+you|kudos|congrats|congratulations|welcome|shout-?out\s+to|with|"
    r"and|by|from|mentor|colleague|to|our|my)\s+$",
    _I,
)


def _plausible_name(name: str) -> bool:
    """The first word is not a sentence word ("Tough", "Pt"), none is a function word."""
    parts = [w.strip(".").lower() for w in name.split()]
    return (
        bool(parts)
        and parts[0] not in NOT_NAMES
        and not any(w in FUNCTION_WORDS or (w in NOT_NAMES and len(parts) == 1) for w in parts)
        and not all(w in NOT_NAMES for w in parts)
    )


def recognize_names(text: str) -> list[Candidate]:
    """Names written as a patient's: honorific + surname, after "pt"/"my patient", or followed
    by demographics ("Jane Roe (67F)", "Jane Roe, DOB …", "Jane Roe presented …")."""
    found: list[Candidate] = []
    for match in _HONORIFIC_RE.finditer(text):
        name = match.group("name")
        parts = name.split()
        if parts[0].lower() in NOT_NAMES:
            continue
        # "Mrs. Keller" keeps only the capitalised words that are plausibly a surname.
        end = match.end("name") if _plausible_name(name) else match.start("name") + len(parts[0])
        found.append(Candidate("name", match.start(), end, 0.75, False, detail="honorific"))
    for pattern, detail, confidence in (
        (_CUE_NAME_RE, "cue", 0.9),
        (_DEMOGRAPHIC_NAME_RE, "demographics", 0.85),
    ):
        for match in pattern.finditer(text):
            group = "name" if match.groupdict().get("name") else "lname"
            start, end = match.start(group), match.end(group)
            name = match.group(group)
            if not _plausible_name(name):
                # Drop a leading sentence word ("Tough night. Jane Roe, 67M").
                parts = name.split()
                while parts and parts[0].lower() in NOT_NAMES:
                    start += len(parts[0]) + 1
                    parts = parts[1:]
                name = " ".join(parts)
                if len(parts) < 2 or not _plausible_name(name):
                    continue
                start = text.index(name, start - 1)
                end = start + len(name)
            if _PROFESSIONAL_BEFORE.search(text[max(0, start - 12) : start]):
                continue
            if _PROFESSIONAL_AFTER.search(text[end : end + 12]):
                continue
            found.append(Candidate("name", start, end, confidence, True, detail=detail))
    for match in _PLAIN_NAME_RE.finditer(text):
        start, end = match.start(), match.end()
        name_words = [w.lower() for w in match.group().split()]
        if any(w in NOT_NAMES for w in name_words):
            continue
        before = text[max(0, start - 24) : start]
        if _PROFESSIONAL_BEFORE.search(before[-12:]) or _COLLEGIAL_BEFORE.search(before):
            continue
        if _PROFESSIONAL_AFTER.search(text[end : end + 12]):
            continue
        found.append(Candidate("name", start, end, 0.4, False, detail="plain"))
    return found


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

#: Kinds Presidio's recognizers supply when Presidio is in use; our fallbacks otherwise.
FALLBACKS: dict[str, Callable[[str], list[Candidate]]] = {
    "ssn": recognize_ssn,
    "email": recognize_email,
    "phone": recognize_phone,
    "mbi": recognize_mbi,
}

#: Recognizers that always run (no Presidio equivalent that helps; see README.md).
OWN: tuple[Callable[[str], list[Candidate]], ...] = (
    recognize_mrn,
    recognize_health_plan_id,
    recognize_account,
    recognize_licence,
    recognize_device,
    recognize_vehicle,
    recognize_dates,
    recognize_ages,
    recognize_address,
    recognize_zip,
    recognize_names,
)
