"""Read LinkedIn's ``Connections.csv`` export (pure Python, no Django).

The file LinkedIn sends (Settings → Data privacy → Get a copy of your data → Connections)
starts with a short preamble before the real header, for example::

    Notes:
    "When exporting your connection data, you may notice that some of the email addresses are
    missing. You will only see email addresses for connections who have allowed ..."

    First Name,Last Name,URL,Email Address,Company,Position,Connected On
    Ana,Ruiz,https://www.linkedin.com/in/anaruiz,,"Mercy Hospital, Springfield",Hospitalist,24 Aug 2023

Rules (the contract the import pages and API document):

- At most ``MAX_BYTES`` (5 MB) and ``MAX_ROWS`` (30,000) connections, UTF-8 (with or without a
  byte-order mark), CRLF or LF line ends.
- The header is the first line (within the first ``HEADER_SEARCH_LINES``) whose columns include
  ``First Name``, ``Last Name``, ``Company`` and ``Position`` (in any order, any case; ``URL``,
  ``Email Address`` and ``Connected On`` are used when present). Everything before it is the
  preamble and is ignored, whatever it holds (commas, quotes, blank lines).
- Rows are parsed with the ``csv`` module, so quoted commas and quotes work. Blank lines are
  skipped.
- **Errors** (``LinkedInFormatError``, with the line number when there is one; nothing is
  imported): too large, binary or not UTF-8, no header, a header missing required columns, a
  row with more fields than the header, an unterminated quote, more than 30,000 rows.
- **Warnings** (the row is kept and the warning names its line): a date that cannot be read
  (imported without the date), an email or URL that is not valid (dropped). A row with neither
  first nor last name is skipped with a warning (LinkedIn writes such rows for members who
  limit their data).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 30_000
HEADER_SEARCH_LINES = 100

REQUIRED_COLUMNS = ("first name", "last name", "company", "position")
OPTIONAL_COLUMNS = ("url", "email address", "connected on")
EXPECTED_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"

MAX_NAME = 100
MAX_TEXT = 200
MAX_EMAIL = 254
MAX_URL = 300

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-,]*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LinkedInFormatError(ValueError):
    """The file cannot be imported as it is. ``line`` is 1-based (None: the whole file)."""

    def __init__(self, message: str, *, line: int | None = None):
        self.line = line
        self.detail = message
        super().__init__(f"Line {line}: {message}" if line else message)


@dataclass(frozen=True, slots=True)
class LinkedInRow:
    """One connection as LinkedIn exported it (texts trimmed and length-capped)."""

    line: int
    first_name: str
    last_name: str
    url: str = ""
    email: str = ""
    company: str = ""
    position: str = ""
    connected_on: date | None = None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class RowWarning:
    line: int
    message: str


@dataclass(slots=True)
class LinkedInFile:
    rows: list[LinkedInRow] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    header_line: int = 0


def decode_text(data: bytes, *, what: str = "file") -> str:
    """UTF-8 text (a byte-order mark is dropped); LinkedInFormatError for binary data."""
    if not data.strip():
        raise LinkedInFormatError(f"The {what} is empty.")
    if b"\x00" in data[:65536]:
        raise LinkedInFormatError(
            f"This {what} is not text (it looks like a binary file). Upload the CSV file itself."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LinkedInFormatError(
            "The file is not UTF-8 text. Upload Connections.csv exactly as LinkedIn sent it.",
            line=line,
        ) from exc
    return text


def clean_text(value: str, limit: int) -> str:
    """Trim, collapse line breaks and control characters, cap the length."""
    value = _CONTROL.sub("", value.replace("\r", " ").replace("\n", " "))
    return " ".join(value.split())[:limit]


def parse_date(value: str) -> date | None:
    """``24 Aug 2023``, ``24-Aug-23``, ``2023-08-24`` or ``08/24/2023``; None if unreadable."""
    value = value.strip()
    try:
        if match := _DAY_MONTH_YEAR.match(value):
            day, month_name, year = match.groups()
            month = MONTHS.get(month_name.lower())
            if month is None:
                return None
            full_year = int(year) + (2000 if len(year) == 2 else 0)
            return date(full_year, month, int(day))
        if match := _ISO.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _US.match(value):
            return date(int(match[3]), int(match[1]), int(match[2]))
    except ValueError:
        return None
    return None


def clean_email(value: str) -> str:
    """A plausible email address, lower-cased; "" when it is not one."""
    value = value.strip()
    if not value or len(value) > MAX_EMAIL or not _EMAIL.match(value):
        return ""
    return value.lower()


def clean_url(value: str) -> str:
    """An http(s) URL without spaces, at most ``MAX_URL`` characters; "" otherwise."""
    value = value.strip()
    if not value or len(value) > MAX_URL or any(c.isspace() for c in value):
        return ""
    if not value.lower().startswith(("https://", "http://")):
        return ""
    return value


def _normal(cell: str) -> str:
    return " ".join(cell.strip().strip('"').split()).casefold()


def _find_header(lines: list[str]) -> tuple[int, dict[str, int]]:
    """The 0-based index of the header line and the column of each known name."""
    for index, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if "first name" not in line.casefold():
            continue
        try:
            cells = next(csv.reader([line]))
        except (csv.Error, StopIteration):
            continue
        names = [_normal(cell) for cell in cells]
        if "first name" not in names:
            continue
        missing = [column for column in REQUIRED_COLUMNS if column not in names]
        if missing:
            raise LinkedInFormatError(
                "The header is missing the column"
                f"{'s' if len(missing) > 1 else ''} "
                + ", ".join(f"“{m.title()}”" for m in missing)
                + f". LinkedIn's header is: {EXPECTED_HEADER}",
                line=index + 1,
            )
        known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        return index, {name: names.index(name) for name in known if name in names}
    raise LinkedInFormatError(
        "This does not look like LinkedIn's Connections.csv: no header line "
        f"“{EXPECTED_HEADER}” was found near the top of the file."
    )


def _records(text: str, start: int) -> Iterator[tuple[int, list[str]]]:
    """CSV records after line ``start`` (0-based index of the header), with each record's
    first line number (1-based, in the whole file)."""
    body = io.StringIO(text)
    for _ in range(start + 1):
        body.readline()
    reader = csv.reader(body, strict=True)
    consumed = start + 1
    while True:
        first_line = consumed + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LinkedInFormatError(
                f"This row could not be read ({exc}). Check for a stray quote.", line=first_line
            ) from exc
        consumed = start + 1 + reader.line_num
        yield first_line, record


def parse_connections(data: bytes) -> LinkedInFile:
    """Parse LinkedIn's Connections.csv. Raises LinkedInFormatError (see the module's rules)."""
    if len(data) > MAX_BYTES:
        raise LinkedInFormatError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; LinkedIn's export of "
            f"{MAX_ROWS:,} connections is smaller. Check that you chose Connections.csv."
        )
    text = decode_text(data)
    if "\x00" in text:
        raise LinkedInFormatError("This file is not text (it looks like a binary file).")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    header_index, columns = _find_header(lines)
    result = LinkedInFile(header_line=header_index + 1)
    width = max(columns.values()) + 1
    header_width = len(next(csv.reader([lines[header_index]])))

    def cell(record: list[str], name: str) -> str:
        col = columns.get(name)
        return record[col] if col is not None and col < len(record) else ""

    for line, record in _records(text, header_index):
        if not record or all(not value.strip() for value in record):
            continue
        if len(record) > max(header_width, width):
            raise LinkedInFormatError(
                f"This row has {len(record)} fields but the header has {header_width}. "
                "A value with a comma must be in double quotes.",
                line=line,
            )
        if len(result.rows) >= MAX_ROWS:
            raise LinkedInFormatError(
                f"The file has more than {MAX_ROWS:,} connections; import at most {MAX_ROWS:,} "
                "at a time.",
                line=line,
            )
        first = clean_text(cell(record, "first name"), MAX_NAME)
        last = clean_text(cell(record, "last name"), MAX_NAME)
        if not first and not last:
            result.warnings.append(RowWarning(line, "No name: this row was skipped."))
            continue
        raw_email = cell(record, "email address").strip()
        email = clean_email(raw_email)
        if raw_email and not email:
            result.warnings.append(
                RowWarning(line, "The email address is not valid; imported without it.")
            )
        raw_url = cell(record, "url").strip()
        url = clean_url(raw_url)
        if raw_url and not url:
            result.warnings.append(RowWarning(line, "The URL is not valid; imported without it."))
        raw_date = cell(record, "connected on").strip()
        connected_on = parse_date(raw_date) if raw_date else None
        if raw_date and connected_on is None:
            result.warnings.append(
                RowWarning(
                    line,
                    f"The date “{clean_text(raw_date, 30)}” is not a date like 24 Aug 2023; "
                    "imported without it.",
                )
            )
        result.rows.append(
            LinkedInRow(
                line=line,
                first_name=first,
                last_name=last,
                url=url,
                email=email,
                company=clean_text(cell(record, "company"), MAX_TEXT),
                position=clean_text(cell(record, "position"), MAX_TEXT),
                connected_on=connected_on,
            )
        )
    return result
